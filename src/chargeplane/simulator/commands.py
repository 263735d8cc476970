"""How the simulated charge point answers the central system's CALLs (OCPP 1.6J: Core, Remote Trigger
and Smart Charging).

Each handler decides the answer at once, from the charger's state, and names the work that follows
once the answer is on the wire (start the transaction, send the status, reboot...): the server hears
"Accepted" before it hears what was accepted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from chargeplane.simulator import framing
from chargeplane.simulator.link import Answer
from chargeplane.simulator.station import AuthorizationRejected, NotPossible

if TYPE_CHECKING:
    from chargeplane.simulator.charger import SimulatedCharger

log = logging.getLogger(__name__)

# Every action OCPP 1.6 (with the security extension) defines: one of these that we do not handle is
# "NotSupported"; anything else is "NotImplemented" (an action we do not even know).
OCPP16_ACTIONS = frozenset({
    "Authorize", "BootNotification", "CancelReservation", "CertificateSigned", "ChangeAvailability",
    "ChangeConfiguration", "ClearCache", "ClearChargingProfile", "DataTransfer", "DeleteCertificate",
    "DiagnosticsStatusNotification", "ExtendedTriggerMessage", "FirmwareStatusNotification",
    "GetCompositeSchedule", "GetConfiguration", "GetDiagnostics", "GetInstalledCertificateIds",
    "GetLocalListVersion", "GetLog", "Heartbeat", "InstallCertificate", "LogStatusNotification", "MeterValues",
    "RemoteStartTransaction", "RemoteStopTransaction", "ReserveNow", "Reset", "SecurityEventNotification",
    "SendLocalList", "SetChargingProfile", "SignCertificate", "SignedFirmwareStatusNotification",
    "SignedUpdateFirmware", "StartTransaction", "StatusNotification", "StopTransaction", "TriggerMessage",
    "UnlockConnector", "UpdateFirmware",
})

Handler = Callable[["SimulatedCharger", dict[str, Any]], Answer]


def answer_call(charger: SimulatedCharger, call: framing.Call) -> Answer:
    handler = HANDLERS.get(call.action)
    if handler is not None:
        return handler(charger, call.payload)
    if call.action in OCPP16_ACTIONS:
        return Answer.error(framing.NOT_SUPPORTED, f"{call.action} is not supported by this charge point")
    return Answer.error(framing.NOT_IMPLEMENTED, "unknown action")


def _status(status: str) -> Answer:
    return Answer({"status": status})


def remote_start_transaction(charger: SimulatedCharger, p: dict[str, Any]) -> Answer:
    id_tag = str(p["idTag"])
    wanted = p.get("connectorId")
    if wanted is None:
        connector = next((c for c in charger.connectors.values() if c.free), None)
    else:
        connector = charger.connectors.get(int(wanted))
    if connector is None or not connector.free or not charger.can_start:
        return _status("Rejected")
    # Held from this moment, so that a second RemoteStart cannot be accepted for the same connector.
    connector.starting = True
    authorize = charger.configuration.flag("AuthorizeRemoteTxRequests")

    async def start() -> None:
        connector.starting = False
        try:
            await charger.start_transaction(connector.connector_id, id_tag, authorize=authorize)
        except (AuthorizationRejected, NotPossible) as exc:
            log.info("%s: remote start on connector %d did not happen: %s", charger.identity,
                     connector.connector_id, exc)

    return Answer({"status": "Accepted"}, then=start)


def remote_stop_transaction(charger: SimulatedCharger, p: dict[str, Any]) -> Answer:
    tx = charger.transaction(int(p["transactionId"]))
    if tx is None:
        return _status("Rejected")
    return Answer({"status": "Accepted"},
                  then=lambda: charger.stop_transaction_if_running(tx.connector_id, "Remote", tx))


def reset(charger: SimulatedCharger, p: dict[str, Any]) -> Answer:
    kind = str(p["type"])
    if kind not in ("Soft", "Hard"):
        raise ValueError("type must be Soft or Hard")
    return Answer({"status": "Accepted"}, then=lambda: charger.reset(kind))


def unlock_connector(charger: SimulatedCharger, p: dict[str, Any]) -> Answer:
    connector = charger.connectors.get(int(p["connectorId"]))
    if connector is None:
        return _status("NotSupported")
    tx = connector.transaction
    if tx is None:
        return _status("Unlocked")
    # OCPP 1.6: unlocking a connector in use ends its transaction first (reason UnlockCommand).
    return Answer({"status": "Unlocked"},
                  then=lambda: charger.stop_transaction_if_running(connector.connector_id, "UnlockCommand", tx))


def change_availability(charger: SimulatedCharger, p: dict[str, Any]) -> Answer:
    kind = str(p["type"])
    if kind not in ("Operative", "Inoperative"):
        raise ValueError("type must be Operative or Inoperative")
    status, changed = charger.change_availability(int(p["connectorId"]), kind)

    async def report() -> None:
        for connector_id in changed:
            await charger.send_status(connector_id)

    return Answer({"status": status}, then=report if changed else None)


def get_configuration(charger: SimulatedCharger, p: dict[str, Any]) -> Answer:
    keys = p.get("key")
    return Answer(charger.configuration.get_configuration([str(k) for k in keys] if keys else None))


def change_configuration(charger: SimulatedCharger, p: dict[str, Any]) -> Answer:
    return _status(charger.configuration.change_configuration(str(p["key"]), str(p["value"])))


def clear_cache(charger: SimulatedCharger, p: dict[str, Any]) -> Answer:
    charger.authorization_cache.clear()
    return _status("Accepted")


def data_transfer(charger: SimulatedCharger, p: dict[str, Any]) -> Answer:
    return _status("UnknownVendorId")  # no vendor extensions here


def trigger_message(charger: SimulatedCharger, p: dict[str, Any]) -> Answer:
    requested = str(p["requestedMessage"])
    connector_id = p.get("connectorId")
    if connector_id is not None and int(connector_id) != 0 and int(connector_id) not in charger.connectors:
        return _status("Rejected")
    ids = [int(connector_id)] if connector_id is not None else None

    async def boot() -> None:
        await charger.triggered_boot()

    async def heartbeat() -> None:
        await charger.heartbeat()

    async def status() -> None:
        for cid in ids if ids is not None else [0, *charger.connectors]:
            await charger.send_status(cid)

    async def meter_values() -> None:
        for cid in ids if ids and ids[0] != 0 else list(charger.connectors):
            await charger.send_triggered_meter_values(cid)

    async def diagnostics() -> None:
        await charger.call("DiagnosticsStatusNotification", {"status": "Idle"})

    async def firmware() -> None:
        await charger.call("FirmwareStatusNotification", {"status": "Idle"})

    follow_up = {"BootNotification": boot, "Heartbeat": heartbeat, "StatusNotification": status,
                 "MeterValues": meter_values, "DiagnosticsStatusNotification": diagnostics,
                 "FirmwareStatusNotification": firmware}.get(requested)
    if follow_up is None:
        return _status("NotImplemented")
    return Answer({"status": "Accepted"}, then=follow_up)


def set_charging_profile(charger: SimulatedCharger, p: dict[str, Any]) -> Answer:
    status, changed = charger.smart_charging.set_profile(int(p["connectorId"]), p["csChargingProfiles"])
    return Answer({"status": status}, then=_report(charger, changed))


def clear_charging_profile(charger: SimulatedCharger, p: dict[str, Any]) -> Answer:
    if not charger.smart_charging.enabled:
        return _without_smart_charging("ClearChargingProfile")
    status, changed = charger.smart_charging.clear_profiles(p)
    return Answer({"status": status}, then=_report(charger, changed))


def get_composite_schedule(charger: SimulatedCharger, p: dict[str, Any]) -> Answer:
    if not charger.smart_charging.enabled:
        return _without_smart_charging("GetCompositeSchedule")
    unit = p.get("chargingRateUnit")
    return Answer(charger.smart_charging.composite_schedule(
        int(p["connectorId"]), int(p["duration"]), str(unit) if unit is not None else None))


def _without_smart_charging(action: str) -> Answer:
    # SetChargingProfile has a NotSupported status of its own; these two have none.
    return Answer.error(framing.NOT_SUPPORTED, f"{action}: this charge point has no smart charging")


def _report(charger: SimulatedCharger, connector_ids: list[int]) -> Callable[[], Awaitable[None]] | None:
    """The status of connectors a new limit suspended or resumed, once the answer is on the wire."""
    if not connector_ids:
        return None
    return lambda: charger.send_statuses(connector_ids)


HANDLERS: dict[str, Handler] = {
    "RemoteStartTransaction": remote_start_transaction,
    "RemoteStopTransaction": remote_stop_transaction,
    "Reset": reset,
    "UnlockConnector": unlock_connector,
    "ChangeAvailability": change_availability,
    "GetConfiguration": get_configuration,
    "ChangeConfiguration": change_configuration,
    "ClearCache": clear_cache,
    "DataTransfer": data_transfer,
    "TriggerMessage": trigger_message,
    "SetChargingProfile": set_charging_profile,
    "ClearChargingProfile": clear_charging_profile,
    "GetCompositeSchedule": get_composite_schedule,
}
