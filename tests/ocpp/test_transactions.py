"""Transactions (OCPP 1.6 §4.8, §4.10; OCTT regular and offline charging sessions): nothing lost, nothing
counted twice, insane readings answered and flagged, transactionIds unguessable and private to their charger."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from ocpp.v16 import call

from tests.ocpp.conftest import AppFactory, Fleet, tenant_of
from tests.ocpp.helpers import (
    add_token,
    get_session,
    list_sessions,
    parse_time,
    session_of,
    start,
    status_payload,
    stop,
)
from tests.support.chargers import RawCharger, iso, register_charger
from tests.support.tenants import TenantHandle, api_client


def _energy(value: int, at: datetime, context: str = "Sample.Periodic") -> dict[str, Any]:
    return {"timestamp": iso(at), "sampledValue": [
        {"value": str(value), "measurand": "Energy.Active.Import.Register", "unit": "Wh", "context": context}]}


async def test_a_whole_charge_with_an_independent_charge_point(fleet: Fleet, tenant: TenantHandle) -> None:
    """The `ocpp` package's ChargePoint drives a session; every answer passes its own schema checks."""
    await add_token(tenant.api, "DRIVER-1")
    charger = await fleet.ocpp()
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    await charger.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Preparing"),
                       suppress=False)
    authorized = await charger.call(call.Authorize(id_tag="DRIVER-1"), suppress=False)
    assert authorized.id_tag_info["status"] == "Accepted"
    started = await charger.call(call.StartTransaction(connector_id=1, id_tag="DRIVER-1", meter_start=12_000,
                                                       timestamp=iso(t0)), suppress=False)
    assert started.id_tag_info["status"] == "Accepted"
    tx = started.transaction_id
    assert isinstance(tx, int)
    await charger.call(call.MeterValues(connector_id=1, transaction_id=tx,
                                        meter_value=[_energy(13_000, t0 + timedelta(minutes=10))]), suppress=False)
    stopped = await charger.call(call.StopTransaction(
        meter_stop=15_500, timestamp=iso(t0 + timedelta(minutes=20)), transaction_id=tx, id_tag="DRIVER-1",
        reason="EVDisconnected", transaction_data=[_energy(15_500, t0 + timedelta(minutes=20), "Transaction.End")],
    ), suppress=False)
    assert stopped.id_tag_info["status"] == "Accepted"

    session = await session_of(tenant.api, charger.cp_id, tx)
    assert {k: session[k] for k in ("connector_id", "id_tag", "meter_start_wh", "meter_stop_wh", "energy_wh",
                                    "stop_reason", "stop_id_tag", "state", "status")} == {
        "connector_id": 1, "id_tag": "DRIVER-1", "meter_start_wh": 12_000, "meter_stop_wh": 15_500,
        "energy_wh": 3_500, "stop_reason": "EVDisconnected", "stop_id_tag": "DRIVER-1", "state": "completed",
        "status": "normal"}
    assert parse_time(session["started_at"]) == t0
    assert parse_time(session["stopped_at"]) == t0 + timedelta(minutes=20)
    # The values of transactionData belong to the transaction's connector, like those of MeterValues.
    assert [(v["value"], v["context"], v["connector_id"]) for v in session["meter_values"]] == [
        ("13000", "Sample.Periodic", 1), ("15500", "Transaction.End", 1)]


async def test_an_acknowledged_message_is_already_stored(app_with: AppFactory) -> None:
    """Acknowledge only after the write is durable: read right after each CALLRESULT, and again after a restart."""
    app = app_with()
    tenant = await tenant_of(app)
    cp = await register_charger(tenant.api)
    charger = await RawCharger.connect(app.ws_url, cp["identity"])
    await charger.boot()
    at = datetime.now(UTC) - timedelta(minutes=5)
    tx = (await start(charger, id_tag="ANY-CARD", meter_start=100, timestamp=iso(at)))["transactionId"]
    assert (await session_of(tenant.api, cp["id"], tx))["state"] == "active"
    await charger.result("MeterValues", {"connectorId": 1, "transactionId": tx,
                                         "meterValue": [_energy(400, at + timedelta(minutes=1))]})
    assert len((await session_of(tenant.api, cp["id"], tx))["meter_values"]) == 1
    await stop(charger, transaction_id=tx, meter_stop=900, timestamp=iso(at + timedelta(minutes=2)))
    assert (await session_of(tenant.api, cp["id"], tx))["energy_wh"] == 800
    await charger.close()
    await tenant.api.aclose()
    app.stop()

    restarted = app_with()
    async with api_client(restarted, tenant.api_key) as api:
        session = await session_of(api, cp["id"], tx)
        assert (session["state"], session["energy_wh"], len(session["meter_values"])) == ("completed", 800, 1)


async def test_a_resent_start_transaction_returns_the_same_transaction(fleet: Fleet, tenant: TenantHandle) -> None:
    await add_token(tenant.api, "RETRY-CARD")
    charger = await fleet.raw()
    payload = {"connectorId": 1, "idTag": "RETRY-CARD", "meterStart": 500, "timestamp": iso(datetime.now(UTC))}
    first = await charger.call("StartTransaction", payload, unique_id="start-1")
    same_id = await charger.call("StartTransaction", payload, unique_id="start-1")
    new_id = await charger.call("StartTransaction", payload, unique_id="start-1-retry")
    for frame in (first, same_id, new_id):
        assert frame[0] == 3
        # The token is busy with this very transaction, not with another one.
        assert frame[2] == {"transactionId": first[2]["transactionId"], "idTagInfo": {"status": "Accepted"}}
    assert len(await list_sessions(tenant.api, charge_point_id=charger.cp_id)) == 1
    # Even a retry that arrives after the stop does not open the transaction again.
    tx = first[2]["transactionId"]
    await stop(charger, transaction_id=tx, meter_stop=900)
    assert (await charger.result("StartTransaction", payload))["transactionId"] == tx
    [session] = await list_sessions(tenant.api, charge_point_id=charger.cp_id)
    assert (session["state"], session["energy_wh"]) == ("completed", 400)


async def test_a_resent_stop_transaction_or_meter_values_change_nothing_twice(fleet: Fleet,
                                                                             tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    t0 = datetime.now(UTC) - timedelta(hours=1)
    tx = (await start(charger, id_tag="ANY-CARD", meter_start=1_000, timestamp=iso(t0)))["transactionId"]
    meter_values = {"connectorId": 1, "transactionId": tx, "meterValue": [
        _energy(1_200, t0 + timedelta(minutes=1)), _energy(1_400, t0 + timedelta(minutes=2))]}
    await charger.result("MeterValues", meter_values)
    await charger.result("MeterValues", meter_values)
    after_values = await session_of(tenant.api, charger.cp_id, tx)
    assert len(after_values["meter_values"]) == 2
    assert after_values["energy_wh"] == 400

    stop_payload = {"transactionId": tx, "meterStop": 2_000, "timestamp": iso(t0 + timedelta(minutes=3)),
                    "idTag": "ANY-CARD", "transactionData": [_energy(2_000, t0 + timedelta(minutes=3),
                                                                     "Transaction.End")]}
    first = await charger.result("StopTransaction", stop_payload)
    stopped = await session_of(tenant.api, charger.cp_id, tx)
    again = await charger.result("StopTransaction", stop_payload)
    assert again == first
    await charger.result("MeterValues", meter_values)  # and a very late retry of the old meter values
    unchanged = await session_of(tenant.api, charger.cp_id, tx)
    assert unchanged == stopped
    assert (unchanged["energy_wh"], unchanged["meter_stop_wh"], len(unchanged["meter_values"])) == (1_000, 2_000, 3)


async def test_messages_queued_offline_are_replayed_in_order_with_their_old_timestamps(
        fleet: Fleet, tenant: TenantHandle) -> None:
    await add_token(tenant.api, "OFFLINE-CARD")
    charger = await fleet.raw()
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    tx = (await start(charger, id_tag="OFFLINE-CARD", meter_start=0, timestamp=iso(t0)))["transactionId"]
    # The rest of the queue is sent back to back; the server must take it in order and answer in order.
    frames = [[2, f"q{i}", "MeterValues", {"connectorId": 1, "transactionId": tx,
                                          "meterValue": [_energy(1_000 * (i + 1), t0 + timedelta(minutes=10 * i))]}]
              for i in range(1, 6)]
    frames.append([2, "q-status", "StatusNotification", status_payload(1, "Finishing",
                                                                       timestamp=iso(t0 + timedelta(hours=1)))])
    frames.append([2, "q-stop", "StopTransaction", {"transactionId": tx, "meterStop": 7_000,
                                                    "timestamp": iso(t0 + timedelta(hours=1)), "reason": "Local"}])
    for frame in frames:
        await charger.send_raw(orjson.dumps(frame).decode())
    answers = [await charger.recv() for _ in frames]
    assert [a[:2] for a in answers] == [[3, f[1]] for f in frames]

    session = await session_of(tenant.api, charger.cp_id, tx)
    assert parse_time(session["started_at"]) == t0
    assert parse_time(session["stopped_at"]) == t0 + timedelta(hours=1)
    assert parse_time(session["start_received_at"]) > t0 + timedelta(hours=2)
    assert (session["state"], session["energy_wh"]) == ("completed", 7_000)
    assert [v["value"] for v in session["meter_values"]] == ["2000", "3000", "4000", "5000", "6000"]


async def test_a_stop_for_a_transaction_never_started_is_acknowledged_and_abnormal(fleet: Fleet,
                                                                                  tenant: TenantHandle) -> None:
    await add_token(tenant.api, "ORPHAN-CARD")
    charger = await fleet.raw()
    at = iso(datetime.now(UTC) - timedelta(minutes=5))
    minus_one = {"transactionId": -1, "meterStop": 4_000, "timestamp": at, "idTag": "ORPHAN-CARD"}
    assert (await charger.result("StopTransaction", minus_one))["idTagInfo"]["status"] == "Accepted"
    assert (await charger.result("StopTransaction", minus_one))["idTagInfo"]["status"] == "Accepted"  # re-sent
    await charger.result("StopTransaction", {"transactionId": 1_234_567, "meterStop": 5_000, "timestamp": at})

    abnormal = await list_sessions(tenant.api, charge_point_id=charger.cp_id, status="abnormal")
    assert sorted(s["reported_transaction_id"] for s in abnormal) == [-1, 1_234_567]
    for session in abnormal:
        assert session["state"] == "completed"
        assert session["status_reason"]
        assert session["transaction_id"] is None
        assert (session["energy_wh"] or 0) >= 0
    assert {s["meter_stop_wh"] for s in abnormal} == {4_000, 5_000}
    assert await list_sessions(tenant.api, charge_point_id=charger.cp_id, status="normal") == []


async def test_meter_stop_below_meter_start_is_acknowledged_abnormal_and_never_negative(
        fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    t0 = datetime.now(UTC) - timedelta(minutes=30)
    tx = (await start(charger, id_tag="ANY-CARD", meter_start=50_000, timestamp=iso(t0)))["transactionId"]
    answer = await stop(charger, transaction_id=tx, meter_stop=49_000, timestamp=iso(t0 + timedelta(minutes=20)),
                        idTag="ANY-CARD")
    assert "idTagInfo" in answer  # answered normally, so the charger does not retry
    session = await session_of(tenant.api, charger.cp_id, tx)
    assert (session["status"], session["state"], session["meter_stop_wh"]) == ("abnormal", "completed", 49_000)
    assert session["energy_wh"] == 0
    assert session["status_reason"]
    assert [s["id"] for s in await list_sessions(tenant.api, status="abnormal")] == [session["id"]]


async def test_other_insane_stops_are_acknowledged_and_abnormal(fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    t0 = datetime.now(UTC) - timedelta(hours=1)
    # Stopped before it started, by the charger's own clock.
    early = (await start(charger, id_tag="ANY-CARD", connector=1, meter_start=0, timestamp=iso(t0)))["transactionId"]
    await stop(charger, transaction_id=early, meter_stop=100, timestamp=iso(t0 - timedelta(minutes=5)))
    # Ten megawatt-hours in one minute on one connector.
    wild = (await start(charger, id_tag="ANY-CARD", connector=2, meter_start=0, timestamp=iso(t0)))["transactionId"]
    await stop(charger, transaction_id=wild, meter_stop=10_000_000, timestamp=iso(t0 + timedelta(minutes=1)))
    for tx in (early, wild):
        session = await session_of(tenant.api, charger.cp_id, tx)
        assert (session["state"], session["status"]) == ("completed", "abnormal"), session
        assert session["status_reason"]
        assert session["energy_wh"] >= 0


async def test_transaction_ids_are_not_sequential_or_guessable(fleet: Fleet) -> None:
    charger = await fleet.raw()
    base = datetime.now(UTC) - timedelta(hours=1)
    ids = [(await start(charger, id_tag=f"CARD-{i}", connector=i + 1, timestamp=iso(base + timedelta(seconds=i))))
           ["transactionId"] for i in range(25)]
    assert len(set(ids)) == len(ids)
    assert all(0 < i <= 2**31 - 1 for i in ids)  # a JSON integer every charger can hold in 32 bits
    assert all(abs(b - a) > 1 for a, b in itertools.pairwise(ids))
    assert max(ids) - min(ids) > 2**24


async def test_a_charger_cannot_touch_another_chargers_transaction(fleet: Fleet, tenant: TenantHandle) -> None:
    owner = await fleet.raw()
    intruder = await fleet.raw()
    t0 = datetime.now(UTC) - timedelta(minutes=10)
    tx = (await start(owner, id_tag="OWNER-CARD", meter_start=0, timestamp=iso(t0)))["transactionId"]

    await intruder.result("MeterValues", {"connectorId": 1, "transactionId": tx,
                                          "meterValue": [_energy(99_999, t0 + timedelta(minutes=1))]})
    await stop(intruder, transaction_id=tx, meter_stop=99_999, timestamp=iso(t0 + timedelta(minutes=2)))
    session = await session_of(tenant.api, owner.cp_id, tx)
    assert (session["state"], session["meter_stop_wh"], session["energy_wh"]) == ("active", None, 0)
    assert session["meter_values"] == []
    # The intruder's stop is kept as its own abnormal record, not as the owner's.
    [orphan] = await list_sessions(tenant.api, charge_point_id=intruder.cp_id)
    assert (orphan["status"], orphan["reported_transaction_id"], orphan["transaction_id"]) == ("abnormal", tx, None)

    await stop(owner, transaction_id=tx, meter_stop=700, timestamp=iso(t0 + timedelta(minutes=3)))
    assert (await session_of(tenant.api, owner.cp_id, tx))["energy_wh"] == 700


async def test_a_boot_interrupts_open_sessions_and_a_later_stop_completes_them(fleet: Fleet,
                                                                               tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=40)
    tx1 = (await start(charger, id_tag="CARD-A", connector=1, meter_start=1_000, timestamp=iso(t0)))["transactionId"]
    tx2 = (await start(charger, id_tag="CARD-B", connector=2, meter_start=5_000, timestamp=iso(t0)))["transactionId"]
    done = (await start(charger, id_tag="CARD-C", connector=3, meter_start=0, timestamp=iso(t0)))["transactionId"]
    await stop(charger, transaction_id=done, meter_stop=10, timestamp=iso(t0 + timedelta(minutes=1)))

    assert (await charger.boot())["status"] == "Accepted"
    for tx in (tx1, tx2):
        session = await session_of(tenant.api, charger.cp_id, tx)
        assert session["state"] == "interrupted"
        assert session["interrupted_at"] is not None
    assert (await session_of(tenant.api, charger.cp_id, done))["state"] == "completed"

    # After its reboot the charger delivers the stops it kept.
    await stop(charger, transaction_id=tx1, meter_stop=3_500, timestamp=iso(t0 + timedelta(minutes=30)),
               reason="PowerLoss")
    session = await session_of(tenant.api, charger.cp_id, tx1)
    assert (session["state"], session["meter_stop_wh"], session["energy_wh"], session["stop_reason"]) == (
        "completed", 3_500, 2_500, "PowerLoss")
    assert parse_time(session["stopped_at"]) == t0 + timedelta(minutes=30)
    assert (await session_of(tenant.api, charger.cp_id, tx2))["state"] == "interrupted"


async def test_start_transaction_checks_the_token_again(fleet: Fleet, tenant: TenantHandle) -> None:
    """§4.8: the Central System must verify the idTag (it may have been authorized from a stale cache);
    the answer always carries a transactionId."""
    await add_token(tenant.api, "GOOD-CARD")
    await add_token(tenant.api, "BLOCKED-CARD", status="blocked")
    charger = await fleet.raw()
    answers = {tag: await start(charger, id_tag=tag, connector=n)
               for n, tag in enumerate(["GOOD-CARD", "BLOCKED-CARD", "UNKNOWN-CARD"], start=1)}
    assert {tag: a["idTagInfo"]["status"] for tag, a in answers.items()} == {
        "GOOD-CARD": "Accepted", "BLOCKED-CARD": "Blocked", "UNKNOWN-CARD": "Invalid"}
    assert all(isinstance(a["transactionId"], int) for a in answers.values())
    statuses = {s["id_tag"]: s["id_tag_status"] for s in await list_sessions(tenant.api, charge_point_id=charger.cp_id)}
    assert statuses == {"GOOD-CARD": "accepted", "BLOCKED-CARD": "blocked", "UNKNOWN-CARD": "invalid"}


async def test_a_second_start_with_a_token_already_charging_is_concurrent(fleet: Fleet, tenant: TenantHandle) -> None:
    await add_token(tenant.api, "ONE-CAR")
    charger = await fleet.raw()
    other = await fleet.raw()
    await start(charger, id_tag="ONE-CAR", connector=1)
    second = await start(other, id_tag="one-car", connector=1)
    assert second["idTagInfo"]["status"] == "ConcurrentTx"
    assert isinstance(second["transactionId"], int)


async def test_stop_transaction_reasons_and_the_stopping_token(fleet: Fleet, tenant: TenantHandle) -> None:
    await add_token(tenant.api, "START-CARD", parent_uid="FAMILY")
    await add_token(tenant.api, "OTHER-CARD", parent_uid="FAMILY")
    charger = await fleet.raw()
    t0 = datetime.now(UTC) - timedelta(hours=1)
    plain = (await start(charger, id_tag="START-CARD", connector=1, timestamp=iso(t0)))["transactionId"]
    # Stopped by the charger itself: no idTag, no reason (which means Local).
    assert await stop(charger, transaction_id=plain, meter_stop=100, timestamp=iso(t0 + timedelta(minutes=5))) == {}
    remote = (await start(charger, id_tag="START-CARD", connector=1,
                          timestamp=iso(t0 + timedelta(minutes=10))))["transactionId"]
    # Stopped with another card of the same family: its own status comes back.
    answer = await stop(charger, transaction_id=remote, meter_stop=200, timestamp=iso(t0 + timedelta(minutes=15)),
                        idTag="OTHER-CARD", reason="Remote")
    assert answer["idTagInfo"] == {"status": "Accepted", "parentIdTag": "FAMILY"}
    first = await session_of(tenant.api, charger.cp_id, plain)
    second = await session_of(tenant.api, charger.cp_id, remote)
    assert (first["stop_reason"], first["stop_id_tag"], first["status"]) == ("Local", None, "normal")
    assert (second["stop_reason"], second["stop_id_tag"], second["status"]) == ("Remote", "OTHER-CARD", "normal")


async def test_sessions_of_many_chargers_at_once(fleet: Fleet, tenant: TenantHandle) -> None:
    """Group commits serve many chargers together; each still gets its own, correct answer."""
    chargers = [await fleet.raw() for _ in range(8)]
    t0 = datetime.now(UTC) - timedelta(minutes=10)

    async def charge(n: int, charger: RawCharger) -> tuple[str, int]:
        tx = (await start(charger, id_tag=f"CARD-{n}", meter_start=n, timestamp=iso(t0)))["transactionId"]
        await stop(charger, transaction_id=tx, meter_stop=n + 1_000 * n, timestamp=iso(t0 + timedelta(minutes=1)))
        return charger.cp_id, tx

    done = await asyncio.gather(*(charge(n, c) for n, c in enumerate(chargers, start=1)))
    for n, (cp_id, tx) in enumerate(done, start=1):
        session = await get_session(tenant.api, (await session_of(tenant.api, cp_id, tx))["id"])
        assert (session["id_tag"], session["energy_wh"]) == (f"CARD-{n}", 1_000 * n)
