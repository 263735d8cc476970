"""Running cost: priced when read from the frozen tariff, growing while the session runs, for operators and for
the driver whose card it is; the final cost once the CDR is issued."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from chargeplane.db import UnitOfWork
from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.pricing.live import running_cost
from tests.cards.support import API, World, card, world  # noqa: F401 - the fixture
from tests.pricing.charging import METER_START, meter, start, status
from tests.support.chargers import iso

PER_KWH_AND_HOUR = [{"price_components": [{"type": "ENERGY", "price": "0.30", "step_size": 1},
                                          {"type": "TIME", "price": "1.20", "step_size": 1}]}]


async def _cost(api: Any, path: str) -> dict[str, Any]:
    response = await api.get(path)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_running_cost_grows_during_the_session_and_becomes_final(world: World) -> None:  # noqa: F811
    cp = await world.charge_point(public=True)
    created = await world.tenant.api.post(f"{API}/tariffs", json={
        "name": "Simple", "elements": PER_KWH_AND_HOUR, "charge_point_id": cp["id"]})
    assert created.status_code == 201, created.text
    charger = await world.connect(cp)
    driver = await world.person((Role.DRIVER, None))
    await card(world.tenant.api, uid="LIVE-1", user_id=str(driver.user_id))
    stranger = await world.person((Role.DRIVER, None))
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    transaction_id, session_id = await start(world, charger, "LIVE-1", at=t0)
    await status(charger, "Charging", t0)

    await meter(charger, transaction_id, t0 + timedelta(minutes=10), 2000)
    first = (await _cost(world.tenant.api, f"{API}/sessions/{session_id}"))["cost"]
    assert first["kind"] == "running" and first["cdr_id"] is None and first["currency"] == "EUR"
    assert first["energy_wh"] == 2000 and first["time_s"] >= 30 * 60
    # 2 kWh x 0.30 and at least half an hour x 1.20 so far.
    assert Decimal(first["total_excl_vat"]) >= Decimal("0.60") + Decimal("0.60")

    await meter(charger, transaction_id, t0 + timedelta(minutes=20), 6000)
    mine = await _cost(driver.api, f"{API}/me/sessions/{session_id}")
    assert mine["cost"]["kind"] == "running" and mine["cost"]["energy_wh"] == 6000
    assert Decimal(mine["cost"]["total_excl_vat"]) > Decimal(first["total_excl_vat"])
    only_cost = await _cost(driver.api, f"{API}/me/sessions/{session_id}/cost")
    assert only_cost["energy_wh"] == 6000 and only_cost["kind"] == "running"
    assert (await stranger.api.get(f"{API}/me/sessions/{session_id}/cost")).status_code == 404
    assert (await stranger.api.get(f"{API}/me/sessions/{session_id}")).status_code == 404

    stopped_at = t0 + timedelta(minutes=30)
    await charger.result("StopTransaction", {"transactionId": transaction_id, "meterStop": METER_START + 7000,
                                             "timestamp": iso(stopped_at)})
    final = await _cost(driver.api, f"{API}/me/sessions/{session_id}/cost")
    # 7 kWh x 0.30 + 0.5 h x 1.20, priced once, at the stop.
    assert final["kind"] == "final" and Decimal(final["total_excl_vat"]) == Decimal("2.70")
    assert final["cdr_id"] is not None and final == (await _cost(driver.api, f"{API}/me/sessions/{session_id}"))[
        "cost"]

    def after_stop(uow: UnitOfWork) -> object:
        return running_cost(uow, session_id=uuid.UUID(session_id), now=datetime.now(UTC))

    assert await world.read(after_stop) is None


async def test_no_tariff_no_running_cost(world: World) -> None:  # noqa: F811
    cp = await world.charge_point(public=True)
    charger = await world.connect(cp)
    driver = await world.person((Role.DRIVER, None))
    await card(world.tenant.api, uid="LIVE-FREE", user_id=str(driver.user_id))
    _, session_id = await start(world, charger, "LIVE-FREE", at=datetime.now(UTC) - timedelta(minutes=5))
    assert (await _cost(world.tenant.api, f"{API}/sessions/{session_id}"))["cost"] is None
    assert (await _cost(driver.api, f"{API}/me/sessions/{session_id}"))["cost"] is None
    assert (await driver.api.get(f"{API}/me/sessions/{session_id}/cost")).status_code == 404
