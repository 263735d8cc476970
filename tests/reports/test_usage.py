"""The usage report (and its daily form, the consumption summary) over sessions charged through real OCPP:
days in the tenant's zone, sums, distinct drivers, fees from the latest CDRs, scopes and other tenants."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import API, World, world  # noqa: F401 - the fixture
from tests.reports.scenario import Scene, at, build, money, november
from tests.support.chargers import RawCharger, iso
from tests.support.tenants import TenantHandle

RANGE = {"date_from": "2025-11-12", "date_to": "2025-11-13"}


async def _usage(client: Any, **params: Any) -> dict[str, Any]:
    response = await client.get(f"{API}/reports/usage", params={**RANGE, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _rows(body: dict[str, Any]) -> dict[tuple[str, str], tuple[int, int, int]]:
    return {(r["period_start"], r["label"]): (r["sessions"], r["energy_wh"], r["drivers"]) for r in body["rows"]}


def _fees(fees: list[dict[str, Any]]) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    return {f["currency"]: (money(f["excl_vat"]), money(f["vat"]), money(f["incl_vat"])) for f in fees}


async def _scene(world: World) -> Scene:  # noqa: F811
    scene = await build(world)
    await november(scene)
    return scene


async def test_daily_summary_per_charger_counts_local_days_drivers_and_fees(world: World) -> None:  # noqa: F811
    scene = await _scene(world)
    body = await _usage(world.tenant.api, group_by="charge_point", period="day")
    c1, c2 = scene.chargers["C1"]["identity"], scene.chargers["C2"]["identity"]
    assert body["time_zone"] == "Europe/Tallinn"
    # K1 and K2 are one driver's; K3 is a driver of its own. 23:30 local stays on the 12th, 00:30 on the 13th.
    assert _rows(body) == {("2025-11-12", c1): (1, 10_000, 1), ("2025-11-12", c2): (1, 5_000, 1),
                           ("2025-11-13", c1): (2, 25_000, 2)}
    assert (body["totals"]["sessions"], body["totals"]["energy_wh"], body["totals"]["drivers"]) == (4, 40_000, 2)

    # Fees are the CDRs' own totals, summed: 0.30/kWh + 22 % VAT, so 40 kWh cost 12.00 + 2.64.
    cdrs = await scene.latest_cdrs()
    inside = [s for s in scene.sessions if at(11, 22) <= s.started_at < at(13, 22)]
    assert len(inside) == 4
    assert _fees(body["totals"]["fees"]) == {"EUR": (Decimal("12.00"), Decimal("2.64"), Decimal("14.64"))}
    assert _fees(body["totals"]["fees"])["EUR"][2] == sum(money(cdrs[s.session_id]["total_cost"]["incl_vat"])
                                                         for s in inside)
    by_row = {(r["period_start"], r["label"]): _fees(r["fees"]) for r in body["rows"]}
    assert by_row[("2025-11-13", c1)] == {"EUR": (Decimal("7.50"), Decimal("1.65"), Decimal("9.15"))}
    assert by_row[("2025-11-12", c2)] == {"EUR": (Decimal("1.50"), Decimal("0.33"), Decimal("1.83"))}

    # A correction replaces the fee: only a session's latest CDR counts.
    k3_on_c2 = next(s for s in scene.sessions if s.charger == "C2")
    first = cdrs[k3_on_c2.session_id]
    corrected = await world.tenant.api.post(f"{API}/cdrs/{first['id']}/corrections", json={
        "reason": "promotion", "tariff": {"currency": "EUR", "elements": [
            {"price_components": [{"type": "ENERGY", "price": "0.10", "step_size": 1}]}]}})
    assert corrected.status_code == 201, corrected.text
    again = await _usage(world.tenant.api, group_by="charge_point", period="day")
    assert {(r["period_start"], r["label"]): _fees(r["fees"]) for r in again["rows"]}[("2025-11-12", c2)] == {
        "EUR": (Decimal("0.50"), Decimal("0.00"), Decimal("0.50"))}
    assert _fees(again["totals"]["fees"])["EUR"][2] == Decimal("13.31")

    # In UTC the same sessions fall on other days: the 00:30 local one moves to the 12th.
    utc = await _usage(world.tenant.api, group_by="charge_point", period="day", time_zone="UTC")
    assert _rows(utc)[("2025-11-12", c1)] == (2, 30_000, 1)


async def test_grouped_by_site_account_group_and_period(world: World) -> None:  # noqa: F811
    scene = await _scene(world)
    by_account = await _usage(world.tenant.api, group_by="account", period="day")
    assert _rows(by_account) == {("2025-11-12", "Fleet A"): (1, 10_000, 1), ("2025-11-12", "Fleet B"): (1, 5_000, 1),
                                 ("2025-11-13", "Fleet A"): (2, 25_000, 2)}
    by_site_month = await _usage(world.tenant.api, group_by="site", period="month")
    assert _rows(by_site_month) == {("2025-11-01", "Site C1"): (3, 35_000, 2), ("2025-11-01", "Site C2"): (1, 5_000, 1)}
    # The 12th and 13th of November 2025 are a Wednesday and a Thursday: one week, from Monday the 10th.
    weekly = await _usage(world.tenant.api, group_by="none", period="week")
    assert _rows(weekly) == {("2025-11-10", ""): (4, 40_000, 2)}

    group = await world.tenant.api.post(f"{API}/customer-groups", json={"name": "Drivers", "account_id": str(
        scene.accounts["B"])})
    assert group.status_code == 201, group.text
    member = await world.tenant.api.post(f"{API}/customer-groups/{group.json()['id']}/members",
                                         json={"user_id": str(scene.driver)})
    assert member.status_code in (200, 201), member.text
    by_group = await _usage(world.tenant.api, group_by="customer_group", period="total")
    # The driver's two cards (K1, K2) are in the group through them; K3 is in none.
    assert _rows(by_group) == {("2025-11-12", "Drivers"): (2, 30_000, 1)}
    assert by_group["totals"]["sessions"] == 4

    only_c2 = await _usage(world.tenant.api, group_by="charge_point", charge_point_id=scene.chargers["C2"]["id"])
    assert only_c2["totals"]["sessions"] == 1 and only_c2["totals"]["energy_wh"] == 5_000


async def test_account_roles_see_their_account_and_drivers_nothing(world: World) -> None:  # noqa: F811
    scene = await _scene(world)
    member = await world.person((Role.ACCOUNT_MEMBER, scene.accounts["B"]))
    mine = await _usage(member.api, group_by="charge_point")
    assert _rows(mine) == {("2025-11-12", scene.chargers["C2"]["identity"]): (1, 5_000, 1)}
    assert mine["totals"]["sessions"] == 1
    driver = await world.person((Role.DRIVER, scene.accounts["A"]))
    assert (await driver.api.get(f"{API}/reports/usage", params=RANGE)).status_code == 403


async def test_another_tenant_sees_only_its_own_sessions(world: World, other_tenant: TenantHandle) -> None:  # noqa: F811
    await _scene(world)
    theirs = World(world.app, other_tenant)
    try:
        cp = await theirs.charge_point(public=True)
        charger: RawCharger = await theirs.connect(cp)
        await theirs.tenant.api.post(f"{API}/id-tokens", json={"uid": "K1"})
        reply = await charger.result("StartTransaction", {"connectorId": 1, "idTag": "K1", "meterStart": 0,
                                                          "timestamp": iso(at(12, 12))})
        await charger.result("StopTransaction", {"transactionId": reply["transactionId"], "meterStop": 1_000,
                                                 "timestamp": iso(at(12, 13))})
        other = await _usage(other_tenant.api, group_by="charge_point")
        assert other["totals"]["sessions"] == 1 and other["totals"]["energy_wh"] == 1_000
        assert [r["label"] for r in other["rows"]] == [cp["identity"]]
        ours = await _usage(world.tenant.api, group_by="charge_point")
        assert ours["totals"]["sessions"] == 4 and ours["totals"]["energy_wh"] == 40_000
        # Naming the other tenant's charger finds nothing of it.
        assert (await _usage(world.tenant.api, charge_point_id=cp["id"]))["totals"]["sessions"] == 0
    finally:
        await theirs.close()


async def test_bad_ranges_are_refused(world: World) -> None:  # noqa: F811
    api = world.tenant.api
    backwards = await api.get(f"{API}/reports/usage", params={"date_from": "2025-11-13", "date_to": "2025-11-12"})
    assert backwards.status_code == 422
    zone = await api.get(f"{API}/reports/usage", params={**RANGE, "time_zone": "Mars/Olympus'--"})
    assert zone.status_code == 422
    assert (await api.get(f"{API}/reports/usage", params={**RANGE, "period": "year"})).status_code == 422
