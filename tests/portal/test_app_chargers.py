"""The driver app's chargers: the list and the map of those I may use, with live availability and my
price; a charger's page; nothing of other accounts' private chargers nor of other tenants."""

from __future__ import annotations

import html
import json
import re
import uuid
from typing import Any

from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.assets.models import ChargePoint
from chargeplane.domain.identity.permissions import Role
from tests.ocpp.helpers import status_payload
from tests.portal.app_support import AppWorld, app_world, sse_until  # noqa: F401 - the fixture
from tests.portal.support import open_for_people, portal_user
from tests.support.chargers import register_charger
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

TIME_OF_USE: list[dict[str, Any]] = [
    {"price_components": [{"type": "ENERGY", "price": "0.20", "vat": "25", "step_size": 1}],
     "restrictions": {"start_time": "22:00", "end_time": "06:00", "day_of_week": ["SATURDAY", "SUNDAY"]}},
    {"price_components": [{"type": "ENERGY", "price": "0.40", "vat": "25", "step_size": 1}]},
]


def map_spec(page: str) -> dict[str, object]:
    found = re.search(r"data-map='([^']*)'", page)
    assert found, "no map on the page"
    spec: dict[str, object] = json.loads(html.unescape(found.group(1)))
    return spec


async def test_the_list_shows_the_chargers_i_may_use_with_my_price(app_world: AppWorld,  # noqa: F811
                                                                  other_tenant: TenantHandle) -> None:
    mine = await app_world.account("Mine")
    neighbour = await app_world.account("Neighbour")
    site = await app_world.placed_site("Home yard", mine, lat=59.437, lng=24.7536)
    home = await app_world.charge_point(account_id=mine, site_id=site, name="Home wallbox")
    hidden = await app_world.charge_point(account_id=neighbour, name="Neighbour private")
    public = await app_world.charge_point(account_id=neighbour, public=True, name="Harbour public")
    mall = await app_world.charge_point(account_id=neighbour, public=True, name="Mall public")
    await app_world.tariff(home)  # a public tariff: at my own account's charger I charge for free
    await app_world.tariff(public)
    await app_world.tariff(mall, TIME_OF_USE)
    elsewhere = await register_charger(other_tenant.api, name="Other tenant public")

    def publish(uow: UnitOfWork) -> None:
        row = uow.session.get(ChargePoint, uuid.UUID(elsewhere["id"]))
        assert row is not None
        row.public = True

    await app_world.app.arun(app_world.app.app.db.write(Scope.tenant(other_tenant.id), publish))
    driver = await app_world.driver((Role.DRIVER, mine))

    page = await driver.portal.get("/app")
    assert page.status_code == 200
    text = page.text
    assert "Home wallbox" in text and "Harbour public" in text
    assert "Neighbour private" not in text and "Other tenant public" not in text
    # My price, in my words: a start fee and the energy price; time-of-use prices with their hours and days.
    assert "Start fee €0.50 · €0.30 per kWh" in text
    assert "€0.25 per kWh, 22:00\u201306:00 and on Sat or Sun · €0.50 per kWh" in text
    assert "Free charging" in text
    assert "Mine" in text and "Public" in text  # why I may use each
    assert 'sse-connect="/app/live/chargers"' in text

    mapped = await driver.portal.get("/app?view=map")
    spec = map_spec(mapped.text)
    markers = spec["markers"]
    assert isinstance(markers, list) and len(markers) == 1  # only the charger with a place on the map
    assert markers[0]["label"] == "Home wallbox" and markers[0]["url"] == f"/app/chargers/{home['id']}"
    assert (markers[0]["lat"], markers[0]["lng"]) == (59.437, 24.7536) and markers[0]["state"] == "offline"
    assert spec["tiles"] == app_world.app.settings.portal_map_tiles

    charger_page = await driver.portal.get(f"/app/chargers/{home['id']}")
    assert charger_page.status_code == 200
    assert "Home wallbox" in charger_page.text and "Home yard street 1" in charger_page.text
    assert "Free charging" in charger_page.text and "Offline" in charger_page.text
    mall_page = await driver.portal.get(f"/app/chargers/{mall['id']}")
    assert "€0.50 per kWh" in mall_page.text and "Prices include VAT." in mall_page.text
    # In Norwegian the conditions read as one phrase of that language: its "and", its days, its "or".
    await open_for_people(app_world.app, app_world.tenant.id)  # all five languages
    await driver.portal.post("/language", {"language": "nb", "next": "/app"})
    assert "22:00\u201306:00 og på lør. eller søn." in (await driver.portal.get("/app")).text
    await driver.portal.post("/language", {"language": "en", "next": "/app"})
    assert (await driver.portal.get(f"/app/chargers/{hidden['id']}")).status_code == 404
    assert (await driver.portal.get(f"/app/chargers/{uuid.uuid4()}")).status_code == 404
    assert (await driver.portal.get(f"/app/live/chargers/{hidden['id']}")).status_code == 404

    # Another tenant's driver sees none of this tenant's chargers, and this one none of theirs.
    stranger = await portal_user(app_world.app, other_tenant.id, other_tenant.slug, roles=[(Role.DRIVER, None)])
    try:
        theirs = await stranger.portal.get("/app")
        assert "Harbour public" not in theirs.text and "Home wallbox" not in theirs.text
        assert "Other tenant public" in theirs.text
        assert (await stranger.portal.get(f"/app/chargers/{public['id']}")).status_code == 404
    finally:
        await stranger.portal.aclose()
        await stranger.person.api.aclose()
    assert (await driver.portal.get(f"/app/chargers/{elsewhere['id']}")).status_code == 404


async def test_availability_changes_live(app_world: AppWorld) -> None:  # noqa: F811
    mine = await app_world.account("Mine")
    home = await app_world.charge_point(account_id=mine, name="Home wallbox")
    driver = await app_world.driver((Role.DRIVER, mine))
    charger = await app_world.connect(home)
    await charger.result("StatusNotification", status_payload(1, "Available"))

    async def plug_in() -> None:
        await charger.result("StatusNotification", status_payload(1, "Preparing"))

    before, after = await sse_until(driver.portal.http, "/app/live/chargers",
                                    first=lambda h: "Home wallbox" in h and "Available" in h,
                                    then=plug_in, until=lambda h: "Occupied" in h)
    assert "1 of 1 free" in before and "0 of 1 free" in after

    async def unplug_charger() -> None:
        await charger.close()

    _, gone = await sse_until(driver.portal.http, f"/app/live/chargers/{home['id']}",
                              first=lambda h: "Connector 1" in h and "Preparing" in h, then=unplug_charger,
                              until=lambda h: "Offline" in h)
    assert "cannot start charging until it is back online" in gone


async def test_a_page_of_chargers_at_a_time(app_world: AppWorld) -> None:  # noqa: F811
    mine = await app_world.account("Mine")
    for number in range(21):
        await app_world.charge_point(account_id=mine, name=f"Bay {number:02d}")
    driver = await app_world.driver((Role.DRIVER, mine))
    first = await driver.portal.get("/app")
    more = re.search(r'href="/app\?cursor=([^"&]+)"', first.text)
    assert more and first.text.count('class="charger-item"') == 20
    rest = await driver.portal.get(f"/app?cursor={more.group(1)}")
    assert rest.text.count('class="charger-item"') == 1 and "Bay 00" in rest.text  # the oldest, last
    assert (await driver.portal.get("/app?cursor=not-a-cursor")).status_code == 422


async def test_a_logged_out_visitor_is_sent_to_log_in(running_app: RunningApp, tenant: TenantHandle) -> None:
    driver = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.DRIVER, None)])
    try:
        await driver.portal.post("/logout")
        away = await driver.portal.get("/app/charging")
        assert away.status_code == 303 and away.headers["location"].startswith(f"/t/{tenant.slug}/login?next=")
    finally:
        await driver.portal.aclose()
        await driver.person.api.aclose()
