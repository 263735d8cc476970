"""Commands from an operator to a charger (OCPP 1.6 Core and Remote Trigger, CSMS to charger): each reaches
the charger as sent and returns its answer; not connected, no answer, invalid payloads, CALLERRORs, late
replies, and one outstanding CALL at a time."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
from ocpp.v16 import call, call_result

from tests.ocpp.conftest import Fleet
from tests.ocpp.helpers import add_token, command, eventually, get_charge_point, session_of
from tests.support.chargers import now_iso
from tests.support.tenants import TenantHandle

TX_PROFILE = {
    "chargingProfileId": 7, "stackLevel": 0, "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Relative",
    "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}]},
}

# (action in the URL, request payload, the reply OcppCharger gives by default)
COMMANDS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("remote-start-transaction", {"connectorId": 1, "idTag": "DRIVER-1", "chargingProfile": TX_PROFILE},
     {"status": "Accepted"}),
    ("remote-stop-transaction", {"transactionId": 123_456}, {"status": "Accepted"}),
    ("reset", {"type": "Soft"}, {"status": "Accepted"}),
    ("unlock-connector", {"connectorId": 2}, {"status": "Unlocked"}),
    ("change-availability", {"connectorId": 0, "type": "Inoperative"}, {"status": "Scheduled"}),
    ("get-configuration", {"key": ["HeartbeatInterval", "NoSuchKey"]},
     {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}],
      "unknownKey": ["NoSuchKey"]}),
    ("change-configuration", {"key": "HeartbeatInterval", "value": "120"}, {"status": "RebootRequired"}),
    ("clear-cache", {}, {"status": "Accepted"}),
    ("trigger-message", {"requestedMessage": "StatusNotification", "connectorId": 1}, {"status": "Accepted"}),
    ("data-transfer", {"vendorId": "com.example", "messageId": "Ping", "data": "hello"},
     {"status": "Accepted", "data": "pong"}),
]


def _action(kebab: str) -> str:
    return "".join(part.capitalize() for part in kebab.split("-"))


async def test_each_command_reaches_the_charger_as_sent_and_returns_its_reply(fleet: Fleet,
                                                                             tenant: TenantHandle) -> None:
    charger = await fleet.ocpp()
    for action, payload, reply in COMMANDS:
        response = await command(tenant.api, charger.cp_id, action, payload)
        assert response.status_code == 200, (action, response.text)
        assert response.json() == reply, action
        assert await charger.next_call() == (_action(action), payload)


async def test_remote_start_and_stop_of_a_charging_session(fleet: Fleet, tenant: TenantHandle) -> None:
    """OCTT's remote start / remote stop for a Central System: the charger accepts, starts a transaction for
    the given idTag, and stops it with reason Remote when asked with the transactionId it was given."""
    await add_token(tenant.api, "APP-USER")
    charger = await fleet.ocpp()
    started = await command(tenant.api, charger.cp_id, "remote-start-transaction", {"connectorId": 1,
                                                                                    "idTag": "APP-USER"})
    assert started.json() == {"status": "Accepted"}
    assert await charger.next_call() == ("RemoteStartTransaction", {"connectorId": 1, "idTag": "APP-USER"})
    begun = await charger.call(call.StartTransaction(connector_id=1, id_tag="APP-USER", meter_start=0,
                                                     timestamp=now_iso()), suppress=False)
    assert begun.id_tag_info["status"] == "Accepted"

    stopped = await command(tenant.api, charger.cp_id, "remote-stop-transaction",
                            {"transactionId": begun.transaction_id})
    assert stopped.json() == {"status": "Accepted"}
    assert await charger.next_call() == ("RemoteStopTransaction", {"transactionId": begun.transaction_id})
    await charger.call(call.StopTransaction(meter_stop=4_200, timestamp=now_iso(), transaction_id=begun.transaction_id,
                                            reason="Remote"), suppress=False)
    session = await session_of(tenant.api, charger.cp_id, begun.transaction_id)
    assert (session["state"], session["stop_reason"], session["energy_wh"]) == ("completed", "Remote", 4_200)


async def test_the_chargers_own_answer_comes_back_whatever_it_is(fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.ocpp()
    charger.replies["Reset"] = call_result.Reset(status="Rejected")
    charger.replies["GetConfiguration"] = call_result.GetConfiguration(configuration_key=[])
    assert (await command(tenant.api, charger.cp_id, "reset", {"type": "Hard"})).json() == {"status": "Rejected"}
    assert (await command(tenant.api, charger.cp_id, "get-configuration", {})).json() == {"configurationKey": []}


async def test_a_charger_that_is_not_connected_gets_nothing(fleet: Fleet, tenant: TenantHandle) -> None:
    never = await fleet.register()
    response = await command(tenant.api, never["id"], "reset", {"type": "Soft"})
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")

    gone = await fleet.raw()
    await gone.close()

    async def disconnected() -> bool:
        return not (await get_charge_point(tenant.api, gone.cp_id))["connected"]

    await eventually(disconnected, what="the charger showing as disconnected")
    assert (await command(tenant.api, gone.cp_id, "reset", {"type": "Soft"})).status_code == 409


async def test_no_answer_is_a_timeout_and_a_late_answer_is_discarded_safely(fleet: Fleet,
                                                                           tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    began = time.monotonic()
    response = await command(tenant.api, charger.cp_id, "reset", {"type": "Soft"}, timeout=1)
    assert response.status_code == 504, response.text
    assert time.monotonic() - began < 5
    unanswered = await charger.next_call()
    assert unanswered[2:] == ["Reset", {"type": "Soft"}]
    assert isinstance(unanswered[1], str)
    assert 0 < len(unanswered[1]) <= 36  # OCPP-J: a unique id of at most 36 characters

    # The answer comes after all: it must not be taken for the answer to anything else.
    await charger.reply(unanswered[1], {"status": "Rejected"})
    assert "currentTime" in await charger.result("Heartbeat", {})
    pending = asyncio.create_task(command(tenant.api, charger.cp_id, "reset", {"type": "Hard"}))
    fresh = await charger.next_call()
    assert fresh[1] != unanswered[1]
    assert fresh[2:] == ["Reset", {"type": "Hard"}]
    await charger.reply(fresh[1], {"status": "Accepted"})
    answered = await pending
    assert answered.status_code == 200
    assert answered.json() == {"status": "Accepted"}


async def test_an_invalid_payload_is_refused_and_nothing_is_sent(fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    invalid = [
        ("reset", {}),                                            # type is required
        ("reset", {"type": "Gentle"}),                            # not one of Hard, Soft
        ("reset", {"type": "Soft", "when": "now"}),               # no such property
        ("unlock-connector", {"connectorId": "one"}),             # not an integer
        ("remote-start-transaction", {"idTag": "X" * 21}),        # longer than CiString20
        ("change-configuration", {"key": "HeartbeatInterval"}),   # value is required
        ("trigger-message", {"requestedMessage": "StartTransaction"}),
        ("data-transfer", {"vendorId": 5}),
    ]
    for action, payload in invalid:
        response = await command(tenant.api, charger.cp_id, action, payload)
        assert response.status_code == 422, (action, payload, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await command(tenant.api, charger.cp_id, "reset", [1, 2])).status_code == 422
    # The first CALL the charger ever sees is the valid one sent after all those.
    pending = asyncio.create_task(command(tenant.api, charger.cp_id, "clear-cache", {}))
    first = await charger.next_call()
    assert first[2:] == ["ClearCache", {}]
    await charger.reply(first[1], {"status": "Accepted"})
    assert (await pending).status_code == 200


async def test_unknown_actions_and_actions_a_charger_sends_are_not_commands(fleet: Fleet,
                                                                           tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    for action in ["boot-notification", "start-transaction", "heartbeat", "fly-to-the-moon", "Reset", "reset_"]:
        response = await command(tenant.api, charger.cp_id, action, {})
        assert response.status_code == 404, (action, response.text)
    assert await charger.silent_for(0.2)


async def test_a_call_error_from_the_charger_is_a_bad_gateway_with_its_code(fleet: Fleet,
                                                                           tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    pending = asyncio.create_task(command(tenant.api, charger.cp_id, "unlock-connector", {"connectorId": 1}))
    sent = await charger.next_call()
    await charger.reply_error(sent[1], "NotSupported", "no lock on this connector", {"reason": "fixed cable"})
    response = await pending
    assert response.status_code == 502, response.text
    body = response.json()
    assert body["ocpp_error_code"] == "NotSupported"
    assert body["ocpp_error_description"] == "no lock on this connector"
    assert body["ocpp_error_details"] == {"reason": "fixed cable"}
    assert "currentTime" in await charger.result("Heartbeat", {})


async def test_the_ocpp_package_answers_an_unimplemented_command_with_a_call_error(fleet: Fleet,
                                                                                  tenant: TenantHandle) -> None:
    charger = await fleet.ocpp()  # it has no handler for GetLocalListVersion
    response = await command(tenant.api, charger.cp_id, "get-local-list-version", {})
    assert response.status_code == 502, response.text
    assert response.json()["ocpp_error_code"] == "NotImplemented"


async def test_an_answer_that_breaks_the_schema_is_a_bad_gateway(fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    for reply in [{"status": "Maybe"}, {}, "Accepted", {"status": "Accepted", "extra": 1}]:
        pending = asyncio.create_task(command(tenant.api, charger.cp_id, "reset", {"type": "Soft"}))
        sent = await charger.next_call()
        await charger.send_raw(orjson.dumps([3, sent[1], reply]).decode())
        response = await pending
        assert response.status_code == 502, (reply, response.text)
    assert "currentTime" in await charger.result("Heartbeat", {})


async def test_only_one_call_is_outstanding_per_connection(fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    first_request = asyncio.create_task(command(tenant.api, charger.cp_id, "reset", {"type": "Soft"}))
    first = await charger.next_call()
    second_request = asyncio.create_task(command(tenant.api, charger.cp_id, "clear-cache", {}))
    # The second command waits: nothing more is sent while the first is unanswered.
    assert await charger.silent_for(0.5)
    assert not second_request.done()
    await charger.reply(first[1], {"status": "Accepted"})
    second = await charger.next_call()
    assert second[2:] == ["ClearCache", {}]
    await charger.reply(second[1], {"status": "Rejected"})
    assert (await first_request).json() == {"status": "Accepted"}
    assert (await second_request).json() == {"status": "Rejected"}


async def test_a_charger_that_disconnects_while_asked_fails_the_command_at_once(fleet: Fleet,
                                                                                tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    pending = asyncio.create_task(command(tenant.api, charger.cp_id, "reset", {"type": "Soft"}, timeout=60))
    await charger.next_call()
    await charger.close()
    response = await asyncio.wait_for(pending, 10)
    assert response.status_code == 409, response.text


async def test_the_charger_may_send_its_own_calls_while_a_command_waits(fleet: Fleet, tenant: TenantHandle) -> None:
    """One outstanding CALL per direction: the charger's requests are still answered meanwhile."""
    charger = await fleet.raw()
    pending = asyncio.create_task(command(tenant.api, charger.cp_id, "get-configuration", {}))
    sent = await charger.next_call()
    assert "currentTime" in await charger.result("Heartbeat", {})
    await charger.reply(sent[1], {"configurationKey": []})
    assert (await pending).json() == {"configurationKey": []}
