"""Sessions for the report tests, charged over real OCPP with CDRs priced by the real engine.

A tenant in Tallinn (UTC+2 in November), two accounts, a charger each on its own site, a driver with two
cards and a card of nobody's. Around local midnight on purpose: 21:30 UTC is 23:30 local (the 12th) and
22:30 UTC is 00:30 local (the 13th), so UTC days would count them differently."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import API, World, card
from tests.support.chargers import RawCharger, iso

ZONE = "Europe/Tallinn"
# 0.30 per kWh + 22 % VAT: 10 kWh cost 3.00 excl., 3.66 incl.
ENERGY_PRICE = [{"price_components": [{"type": "ENERGY", "price": "0.30", "vat": "22", "step_size": 1}]}]
METER = 1_000_000


@dataclass
class Charged:
    session_id: str
    charger: str  # its key in `Scene.chargers`
    uid: str
    started_at: datetime
    energy_wh: int


@dataclass
class Scene:
    world: World
    accounts: dict[str, uuid.UUID]
    chargers: dict[str, dict[str, Any]]
    sockets: dict[str, RawCharger]
    cards: dict[str, dict[str, Any]]
    driver: uuid.UUID
    sessions: list[Charged] = field(default_factory=list)

    async def charge(self, charger: str, uid: str, start: datetime, stop: datetime, energy_wh: int) -> Charged:
        socket = self.sockets[charger]
        reply = await socket.result("StartTransaction", {"connectorId": 1, "idTag": uid, "meterStart": METER,
                                                         "timestamp": iso(start)})
        assert reply["idTagInfo"]["status"] == "Accepted", reply
        assert await socket.result("StopTransaction", {"transactionId": reply["transactionId"], "reason": "Local",
                                                       "meterStop": METER + energy_wh, "timestamp": iso(stop)}) == {}
        listed = (await self.world.tenant.api.get(f"{API}/sessions", params={"charge_point_id": socket.cp_id})).json()
        session_id = next(s["id"] for s in listed["items"] if s["transaction_id"] == reply["transactionId"])
        done = Charged(session_id, charger, uid, start, energy_wh)
        self.sessions.append(done)
        return done

    async def latest_cdrs(self) -> dict[str, dict[str, Any]]:
        """Each session's latest CDR, as the CDR API lists them (every version)."""
        listed = (await self.world.tenant.api.get(f"{API}/cdrs", params={"limit": 500})).json()["items"]
        corrected = {c["corrects_id"] for c in listed if c["corrects_id"]}
        return {c["session_id"]: c for c in listed if c["id"] not in corrected}


async def tallinn(world: World) -> None:
    response = await world.tenant.api.patch(f"{API}/tenant", json={"time_zone": ZONE})
    assert response.status_code == 200, response.text


async def build(world: World) -> Scene:
    await tallinn(world)
    accounts = {"A": await world.account("Fleet A"), "B": await world.account("Fleet B")}
    chargers, sockets = {}, {}
    for name, account in (("C1", "A"), ("C2", "B")):
        site = await world.site(f"Site {name}", account_id=accounts[account])
        made = await world.tenant.api.post(f"{API}/tariffs", json={
            "name": f"Energy {name}", "elements": ENERGY_PRICE, "site_id": str(site)})
        assert made.status_code == 201, made.text
        chargers[name] = await world.charge_point(site_id=site, account_id=accounts[account], public=True,
                                                  name=f"Charger {name}")
        sockets[name] = await world.connect(chargers[name])
        assert (await sockets[name].result("BootNotification", {
            "chargePointVendor": "TestVendor", "chargePointModel": "T1",
            "chargePointSerialNumber": f"SN-{name}"}))["status"] == "Accepted"
    # A driver of account B: at account A's charger the driver pays (an owner's own people charge free).
    driver = await world.person((Role.DRIVER, accounts["B"]))
    cards = {"K1": await card(world.tenant.api, uid="K1", label="Blue card", user_id=str(driver.user_id)),
             "K2": await card(world.tenant.api, uid="K2", label="Red card", user_id=str(driver.user_id)),
             "K3": await card(world.tenant.api, uid="K3", label="=Pool card")}
    return Scene(world, accounts, chargers, sockets, cards, driver.user_id)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 11, day, hour, minute, tzinfo=UTC)


async def november(scene: Scene) -> None:
    """Four sessions on the local 12th and 13th, and two just outside them (local 23:59 on the 11th,
    00:00 on the 14th)."""
    await scene.charge("C1", "K1", at(12, 21, 30), at(12, 21, 50), 10_000)  # local 12th, 23:30
    await scene.charge("C1", "K2", at(12, 22, 30), at(12, 23), 20_000)  # local 13th, 00:30
    await scene.charge("C2", "K3", at(12, 10), at(12, 11), 5_000)  # local 12th
    await scene.charge("C1", "K3", at(13, 21, 59), at(13, 22, 30), 5_000)  # local 13th, 23:59
    await scene.charge("C1", "K1", at(11, 21, 59), at(11, 22, 30), 7_000)  # local 11th, 23:59: outside
    await scene.charge("C1", "K1", at(13, 22), at(13, 22, 30), 9_000)  # local 14th, 00:00: outside


def money(value: Any) -> Decimal:
    return Decimal(str(value))
