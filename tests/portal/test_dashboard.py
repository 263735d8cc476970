"""The operator's dashboard: chargers by live state, power now, today's energy and sessions, the chargers
that need attention, filters by site and account, a live stream that the bus wakes, the second-factor
notice, and who may see it."""

from __future__ import annotations

import time

import pytest

from chargeplane.config import Settings
from chargeplane.domain.identity.permissions import Role
from tests.conftest import test_settings as make_settings
from tests.portal.fleet_support import charger_in, count_of, events, metric, next_matching, start_charging, status
from tests.portal.support import PortalPerson, portal_user
from tests.support.chargers import now_iso, register_charger
from tests.support.people import make_account
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


@pytest.fixture
def app_settings(database_url: str) -> Settings:
    # Live parts re-render only every minute on their own: a change seen sooner came from the bus.
    return make_settings(database_url, portal_live_interval=60)


async def test_counts_power_energy_and_problems(running_app: RunningApp, tenant: TenantHandle,
                                                admin: PortalPerson) -> None:
    await tenant.api.post("/api/v1/id-tokens", json={"uid": "DASH-1"})
    available = await charger_in(running_app, tenant.api, "Available")
    charging = await charger_in(running_app, tenant.api, "Charging")
    faulted = await charger_in(running_app, tenant.api, "Faulted")
    never = await register_charger(tenant.api, name="Garage far away")
    try:
        await start_charging(charging, id_tag="DASH-1", meter_start=1_000, register=3_500, power_w=7_200)
        # A session that started and ended today counts too.
        done = await available.result("StartTransaction", {"connectorId": 2, "idTag": "DASH-1", "meterStart": 0,
                                                           "timestamp": now_iso()})
        await available.result("StopTransaction", {"transactionId": done["transactionId"], "meterStop": 1_000,
                                                    "timestamp": now_iso()})

        page = await admin.portal.get("/portal")
        assert page.status_code == 200
        html = page.text
        assert (count_of(html, "available"), count_of(html, "charging"), count_of(html, "faulted"),
                count_of(html, "offline"), count_of(html, "suspended")) == (1, 1, 1, 1, 0)
        assert count_of(html, "reserved") is None  # shown only when some charger is in it
        assert metric(html, "power") == "7.2 kW"
        assert metric(html, "running") == "1"
        assert metric(html, "energy-today") == "3.500 kWh"
        assert metric(html, "sessions-today") == "2"
        # The chargers that need someone, with links; the healthy ones are not there.
        problems = html.split('id="problems"')[1]
        assert f'/portal/charge-points/{faulted.cp_id}"' in problems and "GroundFailure" in problems
        assert f'/portal/charge-points/{never["id"]}"' in problems and "Never connected" in problems
        assert available.identity not in problems and charging.identity not in problems
        # Each count opens the list of those chargers.
        assert 'href="/portal/charge-points?state=faulted"' in html
    finally:
        for charger in (available, charging, faulted):
            await charger.close()


async def test_filters_by_site_and_account(running_app: RunningApp, tenant: TenantHandle,
                                           admin: PortalPerson) -> None:
    site = (await tenant.api.post("/api/v1/sites", json={"name": "Harbour"})).json()
    account = await make_account(running_app, tenant.id, name="Coop")
    sub_account = await make_account(running_app, tenant.id, name="Coop garage", parent_id=account)
    at_site = await charger_in(running_app, tenant.api, "Available", site_id=site["id"])
    of_sub_account = await charger_in(running_app, tenant.api, "Faulted", account_id=str(sub_account))
    await register_charger(tenant.api)  # neither: offline, only in the whole fleet
    try:
        everything = (await admin.portal.get("/portal")).text
        assert (count_of(everything, "available"), count_of(everything, "faulted"),
                count_of(everything, "offline")) == (1, 1, 1)
        # The filter form offers the sites and accounts.
        assert f'<option value="{site["id"]}"' in everything and f'<option value="{account}"' in everything

        harbour = (await admin.portal.get(f"/portal?site_id={site['id']}")).text
        assert (count_of(harbour, "available"), count_of(harbour, "faulted"), count_of(harbour, "offline")) == (1, 0, 0)
        assert f'sse-connect="/portal/live/fleet?site_id={site["id"]}"' in harbour
        # An account counts with its sub-accounts.
        coop = (await admin.portal.get(f"/portal?account_id={account}")).text
        assert (count_of(coop, "available"), count_of(coop, "faulted"), count_of(coop, "offline")) == (0, 1, 0)
        assert of_sub_account.identity in coop
    finally:
        await at_site.close()
        await of_sub_account.close()


async def test_an_account_admin_sees_only_their_accounts_fleet(running_app: RunningApp, tenant: TenantHandle,
                                                               admin: PortalPerson) -> None:
    mine, theirs = await make_account(running_app, tenant.id), await make_account(running_app, tenant.id)
    await register_charger(tenant.api, account_id=str(mine))
    await register_charger(tenant.api, account_id=str(theirs))
    owner = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.ACCOUNT_ADMIN, mine)])
    try:
        html = (await owner.portal.get("/portal")).text
        assert count_of(html, "offline") == 1
        # Another account's site or account as a filter: not found, as if it did not exist.
        assert (await owner.portal.get(f"/portal?account_id={theirs}")).status_code == 404
        # Account admins need no second factor: no notice for them.
        assert "/app/profile#totp" not in html
    finally:
        await owner.portal.aclose()
        await owner.person.api.aclose()


async def test_the_live_stream_changes_when_a_charger_goes_offline(running_app: RunningApp, tenant: TenantHandle,
                                                                   admin: PortalPerson) -> None:
    charger = await charger_in(running_app, tenant.api, "Available")
    async with events(admin.portal.http, "/portal/live/fleet") as next_event:
        first = await next_event()
        assert (count_of(first, "available"), count_of(first, "offline")) == (1, 0)
        started = time.monotonic()
        await charger.close()
        after = await next_matching(next_event, lambda html: count_of(html, "offline") == 1)
        # Woken by the disconnection itself: the stream's own timer is a minute away.
        assert time.monotonic() - started < 2
        assert (count_of(after, "available"), count_of(after, "offline")) == (0, 1)
        assert f'/portal/charge-points/{charger.cp_id}"' in after
        another = await charger_in(running_app, tenant.api, None)
        try:
            await status(another, 1, "Charging")
            # The connection and its status are two events: the page follows both.
            changed = await next_matching(next_event, lambda html: count_of(html, "charging") == 1)
            assert count_of(changed, "offline") == 1
        finally:
            await another.close()


async def test_staff_without_a_second_factor_are_asked_to_set_one_up(admin: PortalPerson) -> None:
    html = (await admin.portal.get("/portal")).text
    assert 'href="/app/profile#totp"' in html
    assert "you have not set one up yet" in html


async def test_the_dashboard_speaks_the_viewers_language(admin: PortalPerson) -> None:
    await admin.portal.post("/language", {"language": "et", "next": "/portal"})
    html = (await admin.portal.get("/portal")).text
    assert '<html lang="et"' in html
    assert "0,0 kW" in html  # Estonian numbers: a decimal comma


async def test_drivers_are_sent_to_their_app(running_app: RunningApp, tenant: TenantHandle,
                                             admin: PortalPerson) -> None:
    driver = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.DRIVER, None)])
    try:
        for path in ("/portal", "/portal/live/fleet", "/portal/charge-points", "/portal/sessions", "/portal/map"):
            away = await driver.portal.http.get(path)
            assert (away.status_code, away.headers["location"]) == (303, "/app"), path
    finally:
        await driver.portal.aclose()
        await driver.person.api.aclose()
