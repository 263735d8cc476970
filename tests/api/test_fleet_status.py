"""`GET /api/v1/fleet/status`: chargers by live state, power now, today's energy and sessions, the chargers
that need attention; by site or account; within the caller's reach only."""

from __future__ import annotations

import uuid

from chargeplane.domain.identity.permissions import Role
from tests.portal.fleet_support import charger_in, start_charging
from tests.support.chargers import register_charger
from tests.support.people import make_account, make_api_key, make_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle, api_client


async def test_the_fleet_at_a_glance(running_app: RunningApp, tenant: TenantHandle) -> None:
    await tenant.api.post("/api/v1/id-tokens", json={"uid": "FLEET-1"})
    site = (await tenant.api.post("/api/v1/sites", json={"name": "Depot"})).json()
    charging = await charger_in(running_app, tenant.api, "Charging", site_id=site["id"])
    suspended = await charger_in(running_app, tenant.api, "SuspendedEV")
    never = await register_charger(tenant.api)
    pending = await register_charger(tenant.api, registration_status="pending")
    try:
        # No power measured: it comes from the energy register's steps.
        await start_charging(charging, id_tag="FLEET-1", meter_start=10_000, register=10_500, power_w=None)
        body = (await tenant.api.get("/api/v1/fleet/status")).json()
        assert body["total"] == 4
        assert {state: n for state, n in body["counts"].items() if n} == {
            "charging": 1, "suspended": 1, "offline": 1, "pending": 1}
        assert set(body["counts"]) >= {"available", "preparing", "finishing", "faulted", "unavailable"}
        assert (body["running_sessions"], body["sessions_today"], body["energy_today_wh"]) == (1, 1, 500)
        assert body["power_w"] == 0  # one reading: nothing to derive a power from yet
        assert body["time_zone"] == "UTC" and body["day_started_at"].endswith(("T00:00:00Z", "T00:00:00+00:00"))
        assert [p["id"] for p in body["problems"]] == [never["id"]] and body["problems_total"] == 1
        assert body["problems"][0]["state"] == "offline" and body["problems"][0]["since"] is None
        assert pending["id"] not in [p["id"] for p in body["problems"]]

        at_depot = (await tenant.api.get("/api/v1/fleet/status", params={"site_id": site["id"]})).json()
        assert (at_depot["total"], at_depot["counts"]["charging"], at_depot["running_sessions"]) == (1, 1, 1)
        assert (await tenant.api.get("/api/v1/fleet/status", params={"site_id": str(uuid.uuid4())})).status_code == 404
    finally:
        await charging.close()
        await suspended.close()


async def test_power_is_the_sum_of_the_latest_readings(running_app: RunningApp, tenant: TenantHandle) -> None:
    await tenant.api.post("/api/v1/id-tokens", json={"uid": "FLEET-2"})
    one = await charger_in(running_app, tenant.api, "Charging")
    two = await charger_in(running_app, tenant.api, "Charging")
    try:
        await start_charging(one, id_tag="FLEET-2", meter_start=0, register=100, power_w=11_000)
        transaction = await start_charging(two, id_tag="FLEET-2", meter_start=0, register=100, power_w=3_000)
        # A newer reading of the second replaces its power.
        await two.result("MeterValues", {"connectorId": 1, "transactionId": transaction, "meterValue": [
            {"timestamp": "2099-01-01T00:00:00Z", "sampledValue": [
                {"value": "4.5", "measurand": "Power.Active.Import", "unit": "kW"}]}]})
        body = (await tenant.api.get("/api/v1/fleet/status")).json()
        assert body["power_w"] == 15_500
        await one.close()
        # A charger that is gone adds no power, though its session has not ended.
        gone = (await tenant.api.get("/api/v1/fleet/status")).json()
        assert (gone["power_w"], gone["running_sessions"], gone["counts"]["offline"]) == (4_500, 2, 1)
    finally:
        await one.close()
        await two.close()


async def test_each_caller_sees_their_own_reach(running_app: RunningApp, tenant: TenantHandle,
                                                other_tenant: TenantHandle) -> None:
    mine, theirs = await make_account(running_app, tenant.id), await make_account(running_app, tenant.id)
    await register_charger(tenant.api, account_id=str(mine))
    await register_charger(tenant.api, account_id=str(theirs))
    await register_charger(other_tenant.api)
    other_site = (await other_tenant.api.post("/api/v1/sites", json={"name": "Elsewhere"})).json()
    assert (await tenant.api.get("/api/v1/fleet/status")).json()["total"] == 2
    assert (await tenant.api.get("/api/v1/fleet/status", params={"account_id": str(mine)})).json()["total"] == 1
    # Another tenant's site is no site at all.
    assert (await tenant.api.get("/api/v1/fleet/status",
                                 params={"site_id": other_site["id"]})).status_code == 404
    key = await make_api_key(running_app, tenant.id, role=Role.ACCOUNT_MEMBER, account_id=mine)
    async with api_client(running_app, key) as member:
        body = (await member.get("/api/v1/fleet/status")).json()
        assert body["total"] == 1
        assert (await member.get("/api/v1/fleet/status", params={"account_id": str(theirs)})).status_code == 404
    driver = await make_user(running_app, tenant.id, roles=[(Role.DRIVER, mine)])
    try:
        assert (await driver.api.get("/api/v1/fleet/status")).status_code == 403
    finally:
        await driver.api.aclose()
