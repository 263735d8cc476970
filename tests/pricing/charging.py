"""A priced charge on a real charger for the CDR and live-cost tests: a site in Tallinn, a time-of-use tariff
(night energy from 22:00 local), and the OCPP messages of a session that crosses 22:00 and then parks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.models import Site
from chargeplane.domain.pricing.timeline import Sample, Timeline
from tests.cards.support import API, World, card
from tests.support.chargers import RawCharger, iso

# 19:30 UTC is 21:30 in Tallinn (UTC+2 in November): the night price starts half an hour in.
T0 = datetime(2025, 11, 12, 19, 30, tzinfo=UTC)
ZONE = "Europe/Tallinn"
TOU: list[dict[str, Any]] = [
    {"price_components": [{"type": "FLAT", "price": "0.50", "vat": "22"}]},
    {"price_components": [{"type": "ENERGY", "price": "0.20", "vat": "22", "step_size": 1}],
     "restrictions": {"start_time": "22:00", "end_time": "06:00"}},
    {"price_components": [{"type": "ENERGY", "price": "0.40", "vat": "22", "step_size": 1},
                          {"type": "PARKING_TIME", "price": "6.00", "vat": "22", "step_size": 60}]},
]
# An OCMF record and a string a careless store would change: both must come back byte for byte.
OCMF = ('OCMF|{"FV":"1.0","GI":"ABL SBC-301","RD":[{"TM":"2025-11-12T21:30:00,000+0200 S","RV":2935.6,'
        '"RU":"kWh"}]}|{"SD":"3044022' + "0123456789ABCDEF" * 4 + '"}')
ODD = "  Zähler-µ±§ \\u00e9 \"quoted\"\t\n  "
METER_START = 100_000


@dataclass
class Charge:
    charger: RawCharger
    cp: dict[str, Any]
    transaction_id: int
    session_id: str
    tariff_id: str | None


def expected_timeline(minutes_parked: int = 30) -> Timeline:
    """What the messages of `charge_across_22` say, written out by hand."""
    at = [T0 + timedelta(minutes=m) for m in (0, 15, 30, 45, 45 + minutes_parked)]
    return Timeline(started_at=T0, ended_at=at[4], time_zone=ZONE, samples=(
        Sample(at[0], 0, True), Sample(at[1], 5000, True), Sample(at[2], 10_000, True),
        Sample(at[3], 15_000, False), Sample(at[4], 15_000, False)))


async def tou_charger(world: World, *, account_id: Any = None, tariff: bool = True) -> tuple[RawCharger, dict[str, Any],
                                                                                           str | None]:
    site = await world.site("Harbour", account_id=account_id)

    def zone(uow: UnitOfWork) -> None:
        row = uow.session.get(Site, site)
        assert row is not None
        row.time_zone = ZONE

    await world.write(zone)
    cp = await world.charge_point(site_id=site, account_id=account_id, public=True)
    tariff_id = None
    if tariff:
        created = await world.tenant.api.post(f"{API}/tariffs", json={
            "name": "Harbour time of use", "elements": TOU, "site_id": str(site)})
        assert created.status_code == 201, created.text
        tariff_id = created.json()["id"]
    return await world.connect(cp), cp, tariff_id


async def status(charger: RawCharger, name: str, at: datetime) -> None:
    assert await charger.result("StatusNotification", {
        "connectorId": 1, "errorCode": "NoError", "status": name, "timestamp": iso(at)}) == {}


async def meter(charger: RawCharger, transaction_id: int, at: datetime, wh: int, *extra: dict[str, str]) -> None:
    assert await charger.result("MeterValues", {"connectorId": 1, "transactionId": transaction_id, "meterValue": [
        {"timestamp": iso(at), "sampledValue": [
            {"value": str(METER_START + wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
            *extra]}]}) == {}


async def start(world: World, charger: RawCharger, uid: str, *, at: datetime = T0,
                meter_start: int = METER_START) -> tuple[int, str]:
    reply = await charger.result("StartTransaction", {
        "connectorId": 1, "idTag": uid, "meterStart": meter_start, "timestamp": iso(at)})
    assert reply["idTagInfo"]["status"] == "Accepted", reply
    sessions = (await world.tenant.api.get(f"{API}/sessions", params={"charge_point_id": charger.cp_id})).json()
    session_id = next(s["id"] for s in sessions["items"] if s["transaction_id"] == reply["transactionId"])
    return reply["transactionId"], session_id


def stop_payload(transaction_id: int, *, minutes_parked: int = 30, meter_stop: int = METER_START + 15_000,
                 signed: bool = True) -> dict[str, Any]:
    at = T0 + timedelta(minutes=45 + minutes_parked)
    payload: dict[str, Any] = {"transactionId": transaction_id, "meterStop": meter_stop, "timestamp": iso(at),
                               "reason": "EVDisconnected"}
    if signed:
        payload["transactionData"] = [{"timestamp": iso(at), "sampledValue": [
            {"value": str(meter_stop), "measurand": "Energy.Active.Import.Register", "context": "Transaction.End"},
            {"value": ODD, "format": "SignedData", "context": "Transaction.End"}]}]
    return payload


async def charge_across_22(world: World, uid: str = "TOU-1", *, account_id: Any = None,
                           tariff: bool = True) -> Charge:
    """Charges 21:30-22:15 local (5 kWh a quarter), parks until 22:45, stops; nothing sent after the stop."""
    charger, cp, tariff_id = await tou_charger(world, account_id=account_id, tariff=tariff)
    await card(world.tenant.api, uid=uid)
    await status(charger, "Preparing", T0 - timedelta(minutes=1))
    transaction_id, session_id = await start(world, charger, uid)
    await status(charger, "Charging", T0)
    await meter(charger, transaction_id, T0 + timedelta(minutes=15), 5000,
                {"value": OCMF, "format": "SignedData", "context": "Sample.Periodic"})
    await meter(charger, transaction_id, T0 + timedelta(minutes=30), 10_000)
    await meter(charger, transaction_id, T0 + timedelta(minutes=45), 15_000)
    await status(charger, "SuspendedEV", T0 + timedelta(minutes=45))
    return Charge(charger, cp, transaction_id, session_id, tariff_id)
