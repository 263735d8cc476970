"""What the dashboard, charge point, session and map pages share: the words for charger states,
commands and chargers' answers (marked here, translated when shown), and commands as forms: the
form's fields to an OCPP payload, and the charger's answer (or why there is none) to a result."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chargeplane.api.problems import ApiError
from chargeplane.api.routers.commands import action_from_kebab
from chargeplane.bus import (
    ChargerBusy,
    ChargerCallError,
    ChargerCallFailed,
    ChargerNotConnected,
    ChargerPending,
    ChargerRejected,
    ChargerReplyInvalid,
    ChargerTimeout,
    InvalidCommand,
)
from chargeplane.config import Settings
from chargeplane.domain.errors import Invalid
from chargeplane.portal.pages import N_, NC_, STATE_LABELS, Page
from chargeplane.portal.problems import say

# Charger states as the fleet counts them: OCPP's connector states, both kinds of suspended as one.
STATE_NAMES = {**STATE_LABELS, "suspended": N_("Paused")}
REGISTRATION = {"accepted": N_("Accepted"), "pending": N_("Waiting for acceptance"), "rejected": N_("Rejected")}

# The OCPP message log's words.
DIRECTIONS = {"in": N_("From the charger"), "out": N_("To the charger")}
OUTCOMES = {"CallResult": N_("Answered"), "CallError": N_("Error"), "Timeout": N_("No answer"),
            "NotSent": N_("Not sent")}

# The commands the charge point page offers, by their name in the URL (the API's kebab case).
COMMANDS = {
    "reset": N_("Restart"),
    "unlock-connector": N_("Unlock a connector"),
    "change-availability": N_("Change availability"),
    "remote-start-transaction": N_("Start charging"),
    "remote-stop-transaction": N_("Stop charging"),
    "trigger-message": N_("Ask for a message"),
    "clear-cache": N_("Clear the authorization cache"),
    "get-configuration": N_("Read the configuration"),
    "change-configuration": N_("Change a setting"),
}
TRIGGERS = ("BootNotification", "DiagnosticsStatusNotification", "FirmwareStatusNotification", "Heartbeat",
            "MeterValues", "StatusNotification")

# OCPP 1.6's answers to the commands above, as people read them.
ANSWERS = {
    "Accepted": NC_("charger's answer to a command", "Accepted"),
    "Rejected": N_("Refused"),
    "Scheduled": N_("Scheduled: it takes effect when the running session ends"),
    "Unlocked": N_("Unlocked"),
    "UnlockFailed": N_("Could not unlock"),
    "NotSupported": N_("Not supported by this charger"),
    "RebootRequired": N_("Accepted: it takes effect after a restart"),
    "NotImplemented": N_("Not implemented by this charger"),
}

# Sessions as operators read them.
SESSION_STATUSES = {"normal": N_("Normal"), "abnormal": N_("Abnormal")}
STOP_REASONS = {
    "Local": N_("Stopped at the charger"), "Remote": N_("Stopped remotely"), "EVDisconnected": N_("Car unplugged"),
    "EmergencyStop": N_("Emergency stop"), "HardReset": N_("Charger restarted"), "SoftReset": N_("Charger restarted"),
    "Reboot": N_("Charger restarted"), "PowerLoss": N_("Power cut"), "DeAuthorized": N_("Card refused"),
    "UnlockCommand": N_("Unlocked remotely"), "Other": N_("Other reason"),
}
COST_KINDS = {"FLAT": N_("Start fee"), "ENERGY": N_("Energy"), "TIME": N_("Charging time"),
              "PARKING_TIME": N_("Parking")}

WORDS = {"registration": REGISTRATION, "direction": DIRECTIONS, "outcome": OUTCOMES, "answer": ANSWERS,
         "command": COMMANDS, "state": STATE_NAMES, "status": SESSION_STATUSES, "stop_reason": STOP_REASONS,
         "cost": COST_KINDS}


def words(page: Page) -> Callable[[str, Any], str]:
    """`word` in templates: `{{ word("outcome", message.outcome) }}`; a value without a word shows as it is."""
    def word(table: str, value: Any) -> str:
        text = WORDS[table].get(str(value))
        return page._(text) if text else str(value if value is not None else "")

    return word


_FAILURES: list[tuple[type[Exception], str]] = [
    (ChargerNotConnected, N_("The charger is not connected, so the command was not sent.")),
    (ChargerRejected, N_("The charger's registration is rejected: nothing can be sent to it.")),
    (ChargerPending, N_("The charger waits for acceptance: accept it first.")),
    (ChargerBusy, N_("The charger is busy with another command; try again in a moment.")),
    (ChargerTimeout, N_("The charger did not answer in time.")),
    (ChargerCallError, N_("The charger answered with an error: %(detail)s")),
    (ChargerReplyInvalid, N_("The charger's answer was not valid OCPP: %(detail)s")),
    (InvalidCommand, N_("The charger cannot take this command: %(detail)s")),
    (ApiError, N_("This charger does not know this command.")),
]


def choices(page: Page, words: Mapping[str, str], keys: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """(value, translated label) for a select."""
    return [(key, page._(words[key])) for key in (keys if keys is not None else words)]


def ocpp_url(settings: Settings, identity: str) -> str:
    """Where the charger connects: this installation's address with ws(s)."""
    base = settings.base_url
    scheme = "wss" if base.startswith("https://") else "ws"
    return f"{scheme}://{base.split('://', 1)[-1]}/ocpp/{identity}"


@dataclass(frozen=True, slots=True)
class CommandResult:
    """What the page shows after a command: the charger's answer, or why there is none."""

    command: str
    ok: bool
    message: str
    answer: dict[str, Any] = field(default_factory=dict)


def answered(page: Page, command: str, answer: dict[str, Any]) -> CommandResult:
    status = answer.get("status")
    if isinstance(status, str):
        said = page._(ANSWERS[status]) if status in ANSWERS else status
        message = page._("The charger answered: %(answer)s", answer=said)
        return CommandResult(command, status not in ("Rejected", "UnlockFailed", "NotSupported", "NotImplemented"),
                             message, answer)
    return CommandResult(command, True, page._("The charger answered."), answer)


def failed(page: Page, command: str, exc: ChargerCallFailed | ApiError | Invalid) -> CommandResult:
    if isinstance(exc, Invalid):
        return CommandResult(command, False, say(page, exc))
    detail = (exc.description or exc.code) if isinstance(exc, ChargerCallError) else str(exc)
    text = next(text for kind, text in _FAILURES if isinstance(exc, kind))
    return CommandResult(command, False, page._(text, detail=detail) if "%(detail)s" in text else page._(text))


def _integer(page: Page, form: Mapping[str, Any], name: str, *, least: int, required: bool = True) -> int | None:
    text = str(form.get(name) or "").strip()
    if not text and not required:
        return None
    try:
        value = int(text)
    except ValueError:
        raise Invalid(page._("Enter a whole number."), field=name) from None
    if value < least:
        raise Invalid(page._("Enter %(least)s or more.", least=least), field=name)
    return value


def _one_of(page: Page, form: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = str(form.get(name) or "")
    if value not in allowed:
        raise Invalid(page._("Choose one from the list."), field=name)
    return value


def _text(page: Page, form: Mapping[str, Any], name: str, *, longest: int) -> str:
    value = str(form.get(name) or "").strip()
    if not value or len(value) > longest:
        raise Invalid(page._("Enter 1 to %(longest)s characters.", longest=longest), field=name)
    return value


def command_payload(page: Page, command: str, form: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The OCPP action and payload of a command form; Invalid (with its field) for a wrong entry."""
    payload: dict[str, Any]
    if command == "reset":
        payload = {"type": _one_of(page, form, "type", ("Soft", "Hard"))}
    elif command == "unlock-connector":
        payload = {"connectorId": _integer(page, form, "connector_id", least=1)}
    elif command == "change-availability":
        payload = {"connectorId": _integer(page, form, "connector_id", least=0),
                   "type": _one_of(page, form, "type", ("Operative", "Inoperative"))}
    elif command == "remote-start-transaction":
        payload = {"idTag": _text(page, form, "id_tag", longest=20)}
        connector = _integer(page, form, "connector_id", least=1, required=False)
        if connector is not None:
            payload["connectorId"] = connector
    elif command == "remote-stop-transaction":
        payload = {"transactionId": _integer(page, form, "transaction_id", least=-(2**31))}
    elif command == "trigger-message":
        payload = {"requestedMessage": _one_of(page, form, "requested_message", TRIGGERS)}
        connector = _integer(page, form, "connector_id", least=1, required=False)
        if connector is not None:
            payload["connectorId"] = connector
    elif command == "change-configuration":
        payload = {"key": _text(page, form, "key", longest=50), "value": str(form.get("value") or "")}
        if len(payload["value"]) > 500:
            raise Invalid(page._("Enter at most %(longest)s characters.", longest=500), field="value")
    elif command in ("clear-cache", "get-configuration"):
        payload = {}
    else:
        raise Invalid(page._("This charger does not know this command."))
    return action_from_kebab(command), payload
