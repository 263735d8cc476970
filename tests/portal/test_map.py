"""The map: sites as markers coloured by their chargers' live state, the same sites as a list, no tiles
when none are configured, live updates, and only the viewer's own sites."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import pytest

from chargeplane.config import Settings
from chargeplane.domain.identity.permissions import Role
from tests.conftest import test_settings as make_settings
from tests.portal.fleet_support import charger_in, events, next_matching, status
from tests.portal.support import PortalPerson, portal_user
from tests.support.chargers import register_charger
from tests.support.people import make_account
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


@pytest.fixture
def app_settings(database_url: str) -> Settings:
    # No tile server: the map draws its markers on a plain background.
    return make_settings(database_url, portal_live_interval=0.2, portal_map_tiles="")


def map_spec(html: str) -> dict[str, Any]:
    found = re.search(r"data-map='([^']+)'", html)
    assert found, "no map on the page"
    spec: dict[str, Any] = json.loads(unescape(found.group(1)))
    return spec


def markers(html: str) -> dict[str, dict[str, Any]]:
    return {marker["label"]: marker for marker in map_spec(html)["markers"]}


async def _site(api: Any, name: str, located: bool = True) -> dict[str, Any]:
    where = {"latitude": 59.43, "longitude": 24.75} if located else {}
    site: dict[str, Any] = (await api.post("/api/v1/sites", json={"name": name, **where})).json()
    return site


async def test_sites_are_coloured_by_their_chargers(running_app: RunningApp, tenant: TenantHandle,
                                                   admin: PortalPerson) -> None:
    free, dark, broken, busy, empty = [await _site(tenant.api, name) for name in
                                       ("Free", "Dark", "Broken", "Busy", "Empty")]
    nowhere = await _site(tenant.api, "Nowhere", located=False)
    chargers = [
        await charger_in(running_app, tenant.api, "Available", site_id=free["id"]),
        await charger_in(running_app, tenant.api, "Faulted", site_id=broken["id"]),
        await charger_in(running_app, tenant.api, "Available", site_id=broken["id"]),
        await charger_in(running_app, tenant.api, "Charging", site_id=busy["id"]),
    ]
    await register_charger(tenant.api, site_id=free["id"])
    await register_charger(tenant.api, site_id=dark["id"])
    await register_charger(tenant.api, site_id=nowhere["id"])
    try:
        page = await admin.portal.get("/portal/map")
        assert page.status_code == 200
        spec = map_spec(page.text)
        assert spec["tiles"] == "" and spec["attribution"]
        shown = markers(page.text)
        assert {name: marker["state"] for name, marker in shown.items()} == {
            "Free": "available", "Dark": "offline", "Broken": "faulted", "Busy": "occupied", "Empty": "unknown"}
        assert shown["Free"]["url"] == f"/portal/sites/{free['id']}"
        assert (shown["Free"]["lat"], shown["Free"]["lng"]) == (59.43, 24.75)
        assert shown["Free"]["detail"] == "2 chargers: 1 available, 1 offline"
        assert shown["Empty"]["detail"] == "0 chargers"
        # Each count is a phrase of its own with its plural: Lithuanian agrees the state with the number.
        await admin.portal.post("/language", {"language": "lt", "next": "/portal/map"})
        lithuanian = markers((await admin.portal.get("/portal/map")).text)
        assert lithuanian["Free"]["detail"] == "2 įkrovikliai: 1 laisvas, 1 be ryšio"
        assert lithuanian["Broken"]["detail"] == "2 įkrovikliai: 1 laisvas, 1 sugedęs"
        await admin.portal.post("/language", {"language": "en", "next": "/portal/map"})
        # The same sites as a list, for keyboards and screen readers; the one without coordinates says so.
        listed = page.text.split("<h2>Sites</h2>")[1]
        for site in (free, dark, broken, busy, empty, nowhere):
            assert f'href="/portal/sites/{site["id"]}"' in listed
        assert "not on the map: no coordinates" in listed.split(f'data-site="{nowhere["id"]}"')[1].split("</tr>")[0]
        assert 'sse-connect="/portal/live/map"' in page.text
    finally:
        for charger in chargers:
            await charger.close()


async def test_the_map_follows_the_chargers(running_app: RunningApp, tenant: TenantHandle,
                                           admin: PortalPerson) -> None:
    site = await _site(tenant.api, "Harbour")
    charger = await charger_in(running_app, tenant.api, None, site_id=site["id"])
    try:
        async with events(admin.portal.http, "/portal/live/map") as next_event:
            await status(charger, 1, "Available")
            await next_matching(next_event, lambda html: markers(html)["Harbour"]["state"] == "available")
            await status(charger, 1, "Charging")
            await next_matching(next_event, lambda html: markers(html)["Harbour"]["state"] == "occupied")
            await charger.close()
            await next_matching(next_event, lambda html: markers(html)["Harbour"]["state"] == "offline")
    finally:
        await charger.close()


async def test_only_the_viewers_sites(running_app: RunningApp, tenant: TenantHandle, other_tenant: TenantHandle,
                                      admin: PortalPerson) -> None:
    mine = await make_account(running_app, tenant.id)
    await _site(other_tenant.api, "Elsewhere")
    await _site(tenant.api, "Tenant's own")
    (await tenant.api.post("/api/v1/sites", json={"name": "Owner's", "latitude": 58.4, "longitude": 24.5,
                                                   "account_id": str(mine)})).json()
    assert set(markers((await admin.portal.get("/portal/map")).text)) == {"Tenant's own", "Owner's"}
    owner = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.ACCOUNT_ADMIN, mine)])
    try:
        assert set(markers((await owner.portal.get("/portal/map")).text)) == {"Owner's"}
    finally:
        await owner.portal.aclose()
        await owner.person.api.aclose()
