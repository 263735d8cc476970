"""MeterValues (OCPP 1.6 §4.7): every measurand, phase, context, location, unit and format kept as sent,
signed data byte for byte, retries stored once, and the running energy read from the register."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.ocpp.conftest import Fleet
from tests.ocpp.helpers import list_sessions, parse_time, sampled_value_enums, session_of, start
from tests.support.chargers import iso
from tests.support.tenants import TenantHandle

# What signed meter data looks like in the field (an OCMF record: JSON, pipes, quotes, a long signature),
# plus characters a careless store would change: non-ASCII, trailing spaces, escapes, a newline.
OCMF = ('OCMF|{"FV":"1.0","GI":"ABL SBC-301","GS":"808829900001","GV":"1.4p3","PG":"T12345",'
        '"RD":[{"TM":"2026-05-02T17:42:12,000+0200 S","TX":"B","RV":2935.6,"RI":"01-00:98.08.00.FF",'
        '"RU":"kWh","ST":"G"}]}|{"SD":"304402201F2A' + "0123456789ABCDEF" * 8 + '"}')
ODD = "  Zähler-µ±§ \\u00e9 \"quoted\"\t\n  "


def _row(value: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(value.get(k) for k in ("value", "measurand", "phase", "location", "context", "format", "unit"))


async def test_every_kind_of_sampled_value_is_kept_as_sent(fleet: Fleet, tenant: TenantHandle) -> None:
    enums = sampled_value_enums()
    assert set(enums) == {"context", "format", "measurand", "phase", "location", "unit"}
    charger = await fleet.raw()
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    tx = (await start(charger, id_tag="ANY-CARD", meter_start=0, timestamp=iso(t0)))["transactionId"]
    count = max(len(v) for v in enums.values())
    sampled = [{
        "value": f"{i}.5", "measurand": enums["measurand"][i % len(enums["measurand"])],
        "phase": enums["phase"][i % len(enums["phase"])], "location": enums["location"][i % len(enums["location"])],
        "context": enums["context"][i % len(enums["context"])], "format": "Raw",
        "unit": enums["unit"][i % len(enums["unit"])],
    } for i in range(count)]
    sampled.append({"value": OCMF, "format": "SignedData", "context": "Sample.Clock"})
    sampled.append({"value": ODD, "format": "SignedData"})
    sampled.append({"value": "1234"})  # all defaults: an import register reading in Wh
    at = t0 + timedelta(minutes=1)
    assert await charger.result("MeterValues", {"connectorId": 1, "transactionId": tx, "meterValue": [
        {"timestamp": iso(at), "sampledValue": sampled}]}) == {}

    stored = (await session_of(tenant.api, charger.cp_id, tx))["meter_values"]
    assert sorted(_row(v) for v in stored) == sorted(_row(s) for s in sampled)
    for field, allowed in enums.items():
        assert {v[field] for v in stored} >= set(allowed), field
    assert {parse_time(v["timestamp"]) for v in stored} == {at}
    assert {v["connector_id"] for v in stored} == {1}
    signed = [v["value"] for v in stored if v["format"] == "SignedData"]
    assert sorted(signed) == sorted([OCMF, ODD])  # byte for byte


async def test_meter_values_over_several_timestamps_come_back_in_time_order(fleet: Fleet,
                                                                           tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    tx = (await start(charger, id_tag="ANY-CARD", meter_start=0, timestamp=iso(t0)))["transactionId"]
    # Sent newest first; the timeline is ordered by when the samples were taken.
    for minute in (30, 10, 20):
        await charger.result("MeterValues", {"connectorId": 1, "transactionId": tx, "meterValue": [
            {"timestamp": iso(t0 + timedelta(minutes=minute)), "sampledValue": [
                {"value": str(minute * 100), "measurand": "Energy.Active.Import.Register"},
                {"value": "16.0", "measurand": "Current.Import", "phase": "L1", "unit": "A"}]}]})
    stored = (await session_of(tenant.api, charger.cp_id, tx))["meter_values"]
    assert [parse_time(v["timestamp"]) for v in stored] == sorted(parse_time(v["timestamp"]) for v in stored)
    assert [v["value"] for v in stored if v["measurand"] == "Energy.Active.Import.Register"] == ["1000", "2000",
                                                                                                 "3000"]


async def test_the_running_energy_follows_the_import_register_in_wh_or_kwh(fleet: Fleet,
                                                                           tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    t0 = datetime.now(UTC) - timedelta(minutes=30)
    tx = (await start(charger, id_tag="ANY-CARD", meter_start=10_000, timestamp=iso(t0)))["transactionId"]

    async def send(value: str, unit: str | None, minute: int, **extra: str) -> int:
        sample = {"value": value, "measurand": "Energy.Active.Import.Register", **extra}
        if unit:
            sample["unit"] = unit
        await charger.result("MeterValues", {"connectorId": 1, "transactionId": tx, "meterValue": [
            {"timestamp": iso(t0 + timedelta(minutes=minute)), "sampledValue": [sample]}]})
        energy: int = (await session_of(tenant.api, charger.cp_id, tx))["energy_wh"]
        return energy

    assert await send("10250", "Wh", 1) == 250
    assert await send("10.5", "kWh", 2) == 500
    # Per-phase values, other locations and other measurands are not the charger's total.
    assert await send("99999", "Wh", 3, phase="L1") == 500
    assert await send("99.999", "kWh", 4, location="Inlet") == 500
    assert await send("11000", None, 5) == 1_000  # no unit: Wh


async def test_meter_values_outside_a_transaction_are_taken_and_attached_to_none(fleet: Fleet,
                                                                                 tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    tx = (await start(charger, id_tag="ANY-CARD", connector=1, timestamp=iso(t0)))["transactionId"]
    # The main meter (connector 0) and an idle connector report without a transactionId.
    for connector in (0, 2):
        assert await charger.result("MeterValues", {"connectorId": connector, "meterValue": [
            {"timestamp": iso(t0 + timedelta(minutes=1)), "sampledValue": [{"value": "123456"}]}]}) == {}
    session = await session_of(tenant.api, charger.cp_id, tx)
    assert session["meter_values"] == []
    assert session["energy_wh"] == 0
    assert len(await list_sessions(tenant.api, charge_point_id=charger.cp_id)) == 1


async def test_a_resent_meter_values_is_stored_once(fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    tx = (await start(charger, id_tag="ANY-CARD", meter_start=0, timestamp=iso(t0)))["transactionId"]
    payload = {"connectorId": 1, "transactionId": tx, "meterValue": [
        {"timestamp": iso(t0 + timedelta(minutes=1)), "sampledValue": [
            {"value": "300"}, {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW"},
            {"value": OCMF, "format": "SignedData"}]}]}
    for unique_id in ("mv-1", "mv-1", "mv-2"):  # the same id again, then a retry under a new id
        assert (await charger.call("MeterValues", payload, unique_id=unique_id)) == [3, unique_id, {}]
    session = await session_of(tenant.api, charger.cp_id, tx)
    assert len(session["meter_values"]) == 3
    assert session["energy_wh"] == 300
    # Two different samples that happen to be equal but were taken at different times are both kept.
    payload["meterValue"][0]["timestamp"] = iso(t0 + timedelta(minutes=2))
    await charger.result("MeterValues", payload)
    assert len((await session_of(tenant.api, charger.cp_id, tx))["meter_values"]) == 6
