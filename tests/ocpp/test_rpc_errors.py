"""OCPP-J RPC errors (OCPP-J 1.6 §4.2.3): every broken frame gets the right CALLERROR, never echoes the
payload, never drops the connection, and never disturbs other chargers; oversized frames close only
their own socket."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import orjson

from tests.ocpp.conftest import Fleet
from tests.ocpp.helpers import eventually, get_charge_point, list_sessions, status_payload
from tests.support.chargers import RawCharger, now_iso
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

SECRET = "s3cr3t-Zq9"  # looks like something a charger would not want repeated back

RPC_CODES = {"NotImplemented", "NotSupported", "InternalError", "ProtocolError", "SecurityError",
             "FormationViolation", "PropertyConstraintViolation", "OccurenceConstraintViolation",
             "TypeConstraintViolation", "GenericError"}


def check_error_frame(frame: list[Any], unique_id: str, code: str | set[str]) -> None:
    """A well-formed CALLERROR: [4, id, code, description, details{}] with the code expected."""
    assert len(frame) == 5, frame
    assert frame[:2] == [4, unique_id], frame
    assert frame[2] in RPC_CODES, frame
    assert frame[2] in ({code} if isinstance(code, str) else code), frame
    assert isinstance(frame[3], str), frame
    assert len(frame[3]) <= 255, frame
    assert isinstance(frame[4], dict), frame


async def still_works(charger: RawCharger) -> None:
    assert "currentTime" in await charger.result("Heartbeat", {})


UNREADABLE_ID_FRAMES = [
    ('[2, "a1", "Heartbeat", {', "FormationViolation"),       # not JSON at all
    ("\u00ff\u00fe garbage", "FormationViolation"),
    ('{"messageTypeId": 2}', "ProtocolError"),                 # JSON, but not an array
    ('"just a string"', "ProtocolError"),
    ("42", "ProtocolError"),
    ("null", "ProtocolError"),
    ("[]", "ProtocolError"),
    ("[2]", "ProtocolError"),                                  # no id
    ('[2, 17, "Heartbeat", {}]', "ProtocolError"),             # id not a string
    ('[2, null, "Heartbeat", {}]', "ProtocolError"),
    ('[2, "", "Heartbeat", {}]', "ProtocolError"),
]


async def test_a_frame_whose_id_cannot_be_read_is_answered_with_id_minus_one(fleet: Fleet) -> None:
    charger = await fleet.raw()
    for text, code in UNREADABLE_ID_FRAMES:
        await charger.send_raw(text)
        frame = await charger.recv()
        assert frame[:3] == [4, "-1", code], (text, frame)
        check_error_frame(frame, "-1", code)
        await still_works(charger)


MALFORMED_CALLS = [
    [7, "b1", "Heartbeat", {}],                 # unknown message type id
    [0, "b1", "Heartbeat", {}],
    ["2", "b1", "Heartbeat", {}],               # the type id must be a number
    [2, "b1", "Heartbeat"],                     # a CALL has 4 elements
    [2, "b1", "Heartbeat", {}, {}],
    [2, "b1", 42, {}],                          # the action must be a string
    [2, "b1", "", {}],
]


async def test_a_malformed_call_with_a_readable_id_is_answered_under_that_id(fleet: Fleet) -> None:
    charger = await fleet.raw()
    for sent in MALFORMED_CALLS:
        await charger.send_raw(json.dumps(sent))
        frame = await charger.recv()
        assert frame[:2] == [4, "b1"], (sent, frame)
        check_error_frame(frame, "b1", {"ProtocolError", "FormationViolation"})
        await still_works(charger)


async def test_a_call_whose_payload_is_not_an_object_is_a_formation_violation(fleet: Fleet) -> None:
    charger = await fleet.raw()
    for payload in [[], "Heartbeat", None, 5, [{"a": 1}]]:
        await charger.send_raw(json.dumps([2, "c1", "Heartbeat", payload]))
        frame = await charger.recv()
        assert frame[:3] == [4, "c1", "FormationViolation"], (payload, frame)
        check_error_frame(frame, "c1", "FormationViolation")
    await still_works(charger)


async def test_unknown_and_unsupported_actions(fleet: Fleet) -> None:
    charger = await fleet.raw()
    for action in ["FlyToTheMoon", "heartbeat", "TransactionEvent", "NotifyReport"]:  # not OCPP 1.6 at all
        frame = await charger.error(action, {"secret": SECRET})
        check_error_frame(frame, frame[1], "NotImplemented")
        assert SECRET not in orjson.dumps(frame).decode()
    # OCPP 1.6 actions a Central System receives no requests for.
    for action, payload in [("RemoteStartTransaction", {"idTag": SECRET}), ("Reset", {"type": "Hard"}),
                            ("ChangeConfiguration", {"key": "AuthorizationKey", "value": SECRET}),
                            ("GetConfiguration", {}), ("TriggerMessage", {"requestedMessage": "Heartbeat"})]:
        frame = await charger.error(action, payload)
        check_error_frame(frame, frame[1], "NotSupported")
        assert SECRET not in orjson.dumps(frame).decode()
    await still_works(charger)


# Each violates the 1.6 schema of its action in one way; the secret is where a careless server would echo it.
SCHEMA_VIOLATIONS = [
    ("Authorize", {}, "OccurenceConstraintViolation"),
    ("BootNotification", {"chargePointVendor": SECRET}, "OccurenceConstraintViolation"),
    ("MeterValues", {"connectorId": 1, "meterValue": []}, "OccurenceConstraintViolation"),
    ("MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": "2026-01-01T00:00:00Z", "sampledValue": []}]},
     "OccurenceConstraintViolation"),
    ("Authorize", {"idTag": 12345678}, "TypeConstraintViolation"),
    ("StartTransaction", {"connectorId": True, "idTag": SECRET, "meterStart": 0, "timestamp": "2026-01-01T00:00:00Z"},
     "TypeConstraintViolation"),
    ("StartTransaction", {"connectorId": "1", "idTag": SECRET, "meterStart": 0, "timestamp": "2026-01-01T00:00:00Z"},
     "TypeConstraintViolation"),
    ("StartTransaction", {"connectorId": 1, "idTag": SECRET, "meterStart": 12.5, "timestamp": "2026-01-01T00:00:00Z"},
     "TypeConstraintViolation"),
    ("Authorize", {"idTag": SECRET * 3}, "TypeConstraintViolation"),  # longer than CiString20
    ("StatusNotification", status_payload(1, SECRET), "PropertyConstraintViolation"),
    ("StatusNotification", status_payload(1, "Available", SECRET), "PropertyConstraintViolation"),
    ("StatusNotification", status_payload(1, "Available", timestamp=SECRET), "PropertyConstraintViolation"),
    ("StatusNotification", status_payload(1, "Available", timestamp="2026-01-01T00:00:00"),
     "PropertyConstraintViolation"),  # no time zone
    ("StatusNotification", status_payload(-1, "Available"), "PropertyConstraintViolation"),
    ("StartTransaction", {"connectorId": 0, "idTag": SECRET, "meterStart": 0, "timestamp": "2026-01-01T00:00:00Z"},
     "PropertyConstraintViolation"),  # a transaction is on a connector, never on the whole charger
    ("StopTransaction", {"transactionId": 1, "meterStop": 0, "timestamp": "2026-01-01T00:00:00Z", "reason": SECRET},
     "PropertyConstraintViolation"),
    ("Heartbeat", {SECRET: SECRET}, "FormationViolation"),  # a property the schema does not define
    ("Authorize", {"idTag": "OK", "extra": SECRET}, "FormationViolation"),
]


async def test_schema_violations_get_their_own_code_and_never_echo_the_payload(
        fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    for action, payload, code in SCHEMA_VIOLATIONS:
        frame = await charger.error(action, payload)
        assert frame[2] == code, (action, payload, frame)
        check_error_frame(frame, frame[1], code)
        assert SECRET not in orjson.dumps(frame).decode(), frame
        assert "12345678" not in orjson.dumps(frame).decode(), frame
        await still_works(charger)
    # Nothing of a refused message was taken.
    assert await list_sessions(tenant.api, charge_point_id=charger.cp_id) == []
    assert (await get_charge_point(tenant.api, charger.cp_id))["connectors"] == []


# Integers beyond 64 bits (ids beyond 32), dates beyond the year 9999 in UTC, NUL characters.
UNSTORABLE = [
    ("StartTransaction", {"connectorId": 1, "idTag": "A", "meterStart": 2**63, "timestamp": "2026-01-01T00:00:00Z"}),
    ("StartTransaction", {"connectorId": 2**31, "idTag": "A", "meterStart": 0, "timestamp": "2026-01-01T00:00:00Z"}),
    ("StartTransaction", {"connectorId": 1, "idTag": "A", "meterStart": 0, "timestamp": "2026-01-01T00:00:00Z",
                          "reservationId": 2**40}),
    ("StopTransaction", {"transactionId": 10**30, "meterStop": 0, "timestamp": "2026-01-01T00:00:00Z"}),
    ("StopTransaction", {"transactionId": -1, "meterStop": -(10**30), "timestamp": "2026-01-01T00:00:00Z"}),
    ("MeterValues", {"connectorId": 1, "transactionId": 2**64 - 1, "meterValue": [
        {"timestamp": "2026-01-01T00:00:00Z", "sampledValue": [{"value": "1"}]}]}),
    ("StatusNotification", status_payload(2**35, "Available")),
    ("StatusNotification", status_payload(1, "Available", timestamp="9999-12-31T23:59:59-14:00")),
    ("StartTransaction", {"connectorId": 1, "idTag": "A\u0000B", "meterStart": 0, "timestamp": "2026-01-01T00:00:00Z"}),
    ("StatusNotification", status_payload(1, "Available", info="a\u0000b")),
    ("MeterValues", {"connectorId": 1, "meterValue": [
        {"timestamp": "2026-01-01T00:00:00Z", "sampledValue": [{"value": "00\u0000ff", "format": "SignedData"}]}]}),
]


async def test_values_no_database_can_hold_are_refused_the_same_way_on_every_database(
        fleet: Fleet, tenant: TenantHandle) -> None:
    """A constraint violation, never an InternalError (nor a row one database keeps and another refuses)."""
    charger = await fleet.raw()
    for action, payload in UNSTORABLE:
        await charger.send_raw(json.dumps([2, "big-1", action, payload]))
        frame = await charger.recv()
        assert frame[2] in {"TypeConstraintViolation", "PropertyConstraintViolation"}, (action, payload, frame)
        check_error_frame(frame, "big-1", {"TypeConstraintViolation", "PropertyConstraintViolation"})
        await still_works(charger)
    assert await list_sessions(tenant.api, charge_point_id=charger.cp_id) == []


async def test_replies_nobody_waits_for_are_ignored(fleet: Fleet) -> None:
    charger = await fleet.raw()
    await charger.reply("never-asked", {"status": "Accepted"})
    await charger.reply_error("never-asked-either", "InternalError", "oops")
    await charger.send_raw(json.dumps([3, "bad-result"]))  # a CALLRESULT with a missing payload
    # No answer to a reply: the next frame is the answer to our Heartbeat.
    await still_works(charger)


async def test_a_storm_of_broken_frames_disturbs_neither_this_connection_nor_others(fleet: Fleet) -> None:
    noisy = await fleet.raw()
    quiet = await fleet.raw()
    broken = ['{"not": "an array"}', "[2,", "[2, 1]", '[2, "x", "Nope", {}]', "[9, \"y\"]",
              '[2, "z", "Authorize", {"idTag": 1}]'] * 20

    async def noise() -> None:
        for text in broken:
            await noisy.send_raw(text)
        for _ in broken:
            assert (await noisy.recv())[0] == 4

    async def work() -> None:
        for _ in range(20):
            await still_works(quiet)

    await asyncio.gather(noise(), work())
    await still_works(noisy)


async def test_a_frame_over_the_size_cap_closes_only_that_connection(running_app: RunningApp, fleet: Fleet,
                                                                     tenant: TenantHandle) -> None:
    cap = running_app.settings.ocpp_max_frame_bytes
    assert cap == 256 * 1024  # the documented default
    big = await fleet.raw()
    other = await fleet.raw()
    # Just under the cap is an ordinary (if large) message.
    filler = "x" * (cap - 200)
    assert (await big.result("DataTransfer", {"vendorId": "com.example", "data": filler}))["status"]
    await big.send_raw(json.dumps([2, "huge", "DataTransfer", {"vendorId": "com.example", "data": "y" * cap}]))
    assert await big.closed_code() == 1009  # "message too big"
    await still_works(other)

    async def disconnected() -> bool:
        return not (await get_charge_point(tenant.api, big.cp_id))["connected"]
    await eventually(disconnected, what="the oversized charger showing as disconnected")
    # The charger may come back at once.
    again = await RawCharger.connect(running_app.ws_url, big.identity)
    fleet.track(again)
    await still_works(again)


async def test_every_answer_to_a_broken_start_leaves_no_session(fleet: Fleet, tenant: TenantHandle) -> None:
    """Broken StartTransactions are answered with CALLERRORs, so the charger will retry a corrected one."""
    charger = await fleet.raw()
    for payload in [{"connectorId": 1, "idTag": "A", "meterStart": 0},
                    {"connectorId": 1, "idTag": "A", "meterStart": 0, "timestamp": "not a time"}]:
        await charger.error("StartTransaction", payload)
    started = await charger.result("StartTransaction", {"connectorId": 1, "idTag": "A", "meterStart": 0,
                                                        "timestamp": now_iso()})
    assert [s["transaction_id"] for s in await list_sessions(tenant.api, charge_point_id=charger.cp_id)] == [
        started["transactionId"]]


async def test_a_refused_message_is_in_the_message_log_once_the_charger_has_the_answer(
        fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    await charger.send_raw("{broken")
    await charger.recv()
    refused = await charger.error("Authorize", {})
    messages = (await tenant.api.get(f"/api/v1/charge-points/{charger.cp_id}/messages")).json()
    assert [(m["outcome"], m["unique_id"]) for m in messages[:2]] == [("CallError", refused[1]), ("CallError", "-1")]
    assert messages[1]["request"] == "{broken"
    assert orjson.loads(messages[0]["response"]) == refused
