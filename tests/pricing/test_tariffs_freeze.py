"""The tariff is frozen into the session at a real StartTransaction: later edits change nothing, a re-sent
start does not freeze again, and a charger without tariffs pays one query for it. Drivers preview their price."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, select

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.models import Site
from chargeplane.domain.sessions.models import ChargingSession
from chargeplane.domain.sessions.service import start_session
from tests.cards.support import API, World, card, world  # noqa: F401 - the fixture
from tests.pricing.support import add_group, energy
from tests.support.people import make_user


def _session(transaction_id: int) -> Callable[[UnitOfWork], dict[str, Any]]:
    def unit(uow: UnitOfWork) -> dict[str, Any]:
        s = uow.session.scalar(select(ChargingSession).where(ChargingSession.transaction_id == transaction_id))
        assert s is not None
        return {"tariff_id": s.tariff_id, "snapshot": s.tariff_snapshot, "time_zone": s.tariff_time_zone}

    return unit


async def test_frozen_at_start_and_unchanged_by_later_edits(world: World) -> None:  # noqa: F811
    site = await world.site("Harbour")

    def zone(uow: UnitOfWork) -> None:
        row = uow.session.get(Site, site)
        assert row is not None
        row.time_zone = "Europe/Tallinn"

    await world.write(zone)
    cp = await world.charge_point(site_id=site, public=True)
    charger = await world.connect(cp)
    await card(world.tenant.api, uid="FREEZE-1")
    tariff = (await world.tenant.api.post(f"{API}/tariffs", json={
        "name": "Harbour", "elements": energy("0.30", start_fee="0.50"), "site_id": str(site)})).json()
    start = {"connectorId": 1, "idTag": "FREEZE-1", "meterStart": 1000, "timestamp": datetime.now(UTC).isoformat()}
    reply = await charger.result("StartTransaction", start)
    assert reply["idTagInfo"]["status"] == "Accepted"
    frozen = await world.read(_session(reply["transactionId"]))
    assert frozen["tariff_id"] == uuid.UUID(tariff["id"]) and frozen["time_zone"] == "Europe/Tallinn"
    snapshot = frozen["snapshot"]
    assert snapshot["currency"] == "EUR" and snapshot["elements"] == tariff["elements"]
    assert snapshot["discount_percent"] == "0" and "Harbour" in snapshot["why"]

    edited = await world.tenant.api.patch(f"{API}/tariffs/{tariff['id']}", json={"elements": energy("0.99")})
    assert edited.status_code == 200
    again = await charger.result("StartTransaction", start)  # re-sent: same transaction, nothing re-frozen
    assert again["transactionId"] == reply["transactionId"]
    assert (await world.read(_session(reply["transactionId"])))["snapshot"] == snapshot

    assert (await world.tenant.api.delete(f"{API}/tariffs/{tariff['id']}")).status_code == 204
    after_delete = await world.read(_session(reply["transactionId"]))
    assert after_delete["tariff_id"] is None and after_delete["snapshot"] == snapshot


async def test_a_charger_without_tariffs_pays_one_query_for_pricing(world: World) -> None:  # noqa: F811
    cp = await world.charge_point()
    await card(world.tenant.api, uid="HOT-1")

    def unit(uow: UnitOfWork) -> list[str]:
        statements: list[str] = []
        connection = uow.session.connection()

        def count(*args: Any) -> None:
            statements.append(args[2])

        event.listen(connection, "before_cursor_execute", count)
        try:
            now = datetime.now(UTC)
            start_session(uow, charge_point_id=uuid.UUID(cp["id"]), connector_id=1, id_tag="HOT-1", meter_start_wh=0,
                          started_at=now, received_at=now)
        finally:
            event.remove(connection, "before_cursor_execute", count)
        return statements

    statements = await world.write(unit)
    pricing = [s for s in statements if any(t in s for t in ("tariffs", "customer_group", "memberships", "accounts"))]
    assert len(pricing) == 1 and "FROM tariffs" in pricing[0], pricing


async def test_price_preview_for_a_group_driver_with_a_discount_and_a_public_driver(world: World) -> None:  # noqa: F811
    owner = await world.account("Cooperative")
    cp = await world.charge_point(account_id=owner, public=True)
    api = world.tenant.api
    public = (await api.post(f"{API}/tariffs", json={
        "name": "Visitors", "charge_point_id": cp["id"], "elements": [
            {"price_components": [{"type": "FLAT", "price": "0.50"}]},
            {"price_components": [{"type": "ENERGY", "price": "0.20"}],
             "restrictions": {"start_time": "22:00", "end_time": "07:00"}},
            {"price_components": [{"type": "ENERGY", "price": "0.30"}]},
            {"price_components": [{"type": "PARKING_TIME", "price": "6"}]}]})).json()
    group_driver = await world.person()
    public_driver = await world.person()
    group_card = await card(api, uid="GROUP-1", user_id=str(group_driver.user_id))
    await card(api, uid="PUBLIC-1", user_id=str(public_driver.user_id))

    def groups(uow: UnitOfWork) -> uuid.UUID:
        return add_group(uow, "Neighbours", account_id=owner, discount="10", id_token_id=uuid.UUID(group_card["id"]))

    neighbours = await world.write(groups)
    members = (await api.post(f"{API}/tariffs", json={
        "name": "Neighbours", "charge_point_id": cp["id"], "audience": "customer_group",
        "customer_group_id": str(neighbours), "elements": energy("0.25")})).json()

    seen = await public_driver.api.get(f"{API}/me/charge-points/{cp['id']}/price")
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert body["tariff_id"] == public["id"] and body["currency"] == "EUR" and Decimal(body["discount_percent"]) == 0
    assert body["elements"] == public["elements"]
    assert body["summary"] == ("€0.50 start fee, €0.30 per kWh (€0.20 per kWh 22:00\u201307:00), "
                               "parking €6.00 per hour after charging.")
    assert "public tariff 'Visitors'" in body["why"]

    seen = await group_driver.api.get(f"{API}/me/charge-points/{cp['id']}/price")
    body = seen.json()
    assert body["tariff_id"] == members["id"] and Decimal(body["discount_percent"]) == 10
    assert body["summary"] == "€0.25 per kWh. Your discount: 10% off."
    assert "Neighbours" in body["why"]
    # With a card named: the same; with someone else's card: not found.
    named = await group_driver.api.get(f"{API}/me/charge-points/{cp['id']}/price",
                                       params={"card_id": group_card["id"]})
    assert named.json()["tariff_id"] == members["id"]
    foreign = await public_driver.api.get(f"{API}/me/charge-points/{cp['id']}/price",
                                          params={"card_id": group_card["id"]})
    assert foreign.status_code == 404
    hidden = await world.charge_point(account_id=owner)  # private: not one the public driver may use
    assert (await public_driver.api.get(f"{API}/me/charge-points/{hidden['id']}/price")).status_code == 404


async def test_preview_without_a_tariff_is_free(world: World) -> None:  # noqa: F811
    cp = await world.charge_point(public=True)
    driver = await make_user(world.app, world.tenant.id, roles=[])
    try:
        body = (await driver.api.get(f"{API}/me/charge-points/{cp['id']}/price")).json()
    finally:
        await driver.api.aclose()
    assert body["tariff_id"] is None and body["summary"] == "Free charging." and body["elements"] == []

