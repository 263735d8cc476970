"""Charging from the driver app on real chargers: start with my card (or a virtual card made on the
spot), watch power, energy and cost live, stop; the history and a session's page; the failures."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import API
from tests.ocpp.helpers import status_payload
from tests.portal.app_support import AppWorld, app_world, charge, meter, now, press, sse_until  # noqa: F401
from tests.portal.support import portal_user
from tests.support.chargers import iso
from tests.support.tenants import TenantHandle

METER_START = 50_000


async def test_start_watch_and_stop_from_the_app(app_world: AppWorld, other_tenant: TenantHandle) -> None:  # noqa: F811
    mine = await app_world.account("Mine")
    neighbour = await app_world.account("Neighbour")
    cp = await app_world.charge_point(account_id=neighbour, public=True, name="Harbour")
    await app_world.tariff(cp)
    charger = await app_world.connect(cp)
    await charger.result("StatusNotification", status_payload(1, "Available"))
    driver = await app_world.driver((Role.DRIVER, mine))
    other = await app_world.driver((Role.DRIVER, mine))
    added = await driver.portal.post("/app/cards", {"uid": "APP-RFID-1", "label": "Key fob"})
    assert added.status_code == 303
    card = (await driver.person.api.get(f"{API}/me/cards")).json()[0]

    page = await driver.portal.get(f"/app/chargers/{cp['id']}")
    assert "With your card Key fob" in page.text
    action, payload, answer = await press(driver, f"/app/chargers/{cp['id']}/start", {"card_id": card["id"]},
                                          charger, {"status": "Accepted"})
    assert (action, payload) == ("RemoteStartTransaction", {"idTag": "APP-RFID-1"})
    assert answer.status_code == 303 and answer.headers["location"] == f"/app/charging?started={cp['id']}"
    accepted = await driver.portal.get(answer.headers["location"])
    assert "Charging begins when your car is plugged in" in accepted.text

    t0 = now() - timedelta(minutes=30)
    transaction_id = await charge(charger, "APP-RFID-1", meter_start=METER_START, at=t0)
    await meter(charger, transaction_id, t0 + timedelta(minutes=10), METER_START + 2000)
    await meter(charger, transaction_id, t0 + timedelta(minutes=20), METER_START + 3500, power_w=7400)
    session_id = (await driver.person.api.get(f"{API}/me/sessions")).json()["items"][0]["id"]

    charging = await driver.portal.get("/app/charging")
    assert charging.status_code == 200
    running = charging.text[:charging.text.index('id="history-h"')]
    # 3.5 kWh so far at 7.4 kW; 0.50 start fee + 3.5 kWh x 0.30 = 1.55; half an hour.
    assert "3.500 kWh" in running and "7.4 kW" in running and "€1.55" in running and "30 min" in running
    assert f'action="/app/sessions/{session_id}/stop"' in running
    history = charging.text[charging.text.index('id="history-h"'):]
    assert "Harbour" in history and "3.500 kWh" in history

    session_page = await driver.portal.get(f"/app/sessions/{session_id}")
    assert session_page.status_code == 200
    assert "3.500 kWh" in session_page.text and "Price so far" in session_page.text
    assert "data-chart=" in session_page.text and "Power (kW)" in session_page.text
    assert f'sse-connect="/app/live/sessions/{session_id}"' in session_page.text
    assert (await other.portal.get(f"/app/sessions/{session_id}")).status_code == 404
    assert (await other.portal.get(f"/app/live/sessions/{session_id}")).status_code == 404
    stranger = await portal_user(app_world.app, other_tenant.id, other_tenant.slug, roles=[(Role.DRIVER, None)])
    try:
        assert (await stranger.portal.get(f"/app/sessions/{session_id}")).status_code == 404
        assert (await stranger.portal.post(f"/app/sessions/{session_id}/stop")).status_code == 404
        assert (await stranger.portal.get(f"/app/chargers/{cp['id']}")).status_code == 404
    finally:
        await stranger.portal.aclose()
        await stranger.person.api.aclose()
    not_theirs = await other.portal.post(f"/app/sessions/{session_id}/stop")
    assert not_theirs.status_code == 404
    assert await charger.silent_for(0.2)  # nothing was sent for someone else's session
    charger_page = await driver.portal.get(f"/app/chargers/{cp['id']}")
    assert f'href="/app/sessions/{session_id}"' in charger_page.text and "You are charging here." in charger_page.text

    action, payload, stopped = await press(driver, f"/app/sessions/{session_id}/stop", {}, charger,
                                           {"status": "Accepted"})
    assert (action, payload) == ("RemoteStopTransaction", {"transactionId": transaction_id})
    assert stopped.status_code == 303 and stopped.headers["location"] == "/app/charging?stopped=1"
    await charger.result("StopTransaction", {"transactionId": transaction_id, "meterStop": METER_START + 4000,
                                             "timestamp": iso(t0 + timedelta(minutes=40)), "reason": "Remote"})
    done = await driver.portal.get(f"/app/sessions/{session_id}")
    assert "4.000 kWh" in done.text and "Stopped from the app" in done.text and "What you pay" in done.text
    assert "€1.70" in done.text  # final: 0.50 + 4 kWh x 0.30
    again = await driver.portal.post(f"/app/sessions/{session_id}/stop")
    assert again.status_code == 409 and "not running any more" in again.text
    assert "You are not charging right now." in (await driver.portal.get("/app/charging")).text


async def test_without_a_card_a_virtual_card_is_made_to_start(app_world: AppWorld) -> None:  # noqa: F811
    cp, charger, driver = await app_world.at_home()

    page = await driver.portal.get(f"/app/chargers/{cp['id']}")
    assert "None of your cards can charge here" in page.text and 'name="virtual" value="true"' in page.text
    action, payload, answer = await press(driver, f"/app/chargers/{cp['id']}/start", {"virtual": "true"},
                                          charger, {"status": "Accepted"})
    cards = (await driver.person.api.get(f"{API}/me/cards")).json()
    assert [(c["kind"], c["label"]) for c in cards] == [("virtual", "Virtual card")]
    assert (action, payload) == ("RemoteStartTransaction", {"idTag": cards[0]["uid"]})
    assert answer.status_code == 303
    # The next time, the virtual card is the card to start with.
    assert "With your card Virtual card" in (await driver.portal.get(f"/app/chargers/{cp['id']}")).text


async def test_what_the_driver_is_told_when_starting_fails(app_world: AppWorld) -> None:  # noqa: F811
    online, charger, driver = await app_world.at_home("FAIL-1")
    offline = await app_world.charge_point(public=True, name="Offline one")

    refused = await press(driver, f"/app/chargers/{online['id']}/start", {}, charger, {"status": "Rejected"})
    assert refused[2].status_code == 409 and "The charger refused to start" in refused[2].text
    not_there = await driver.portal.post(f"/app/chargers/{offline['id']}/start", {})
    assert not_there.status_code == 409 and "The charger is offline right now" in not_there.text
    bad_form = await driver.portal.post(f"/app/chargers/{online['id']}/start", {"connector_id": "first"})
    assert bad_form.status_code == 422 and "Choose a connector and a card" in bad_form.text
    card = (await driver.person.api.get(f"{API}/me/cards")).json()[0]
    await driver.person.api.patch(f"{API}/me/cards/{card['id']}", json={"status": "blocked"})
    blocked = await driver.portal.post(f"/app/chargers/{online['id']}/start", {"card_id": card["id"]})
    assert blocked.status_code == 409 and "blocked" in blocked.text
    assert await charger.silent_for(0.2)
    someone_elses = await driver.portal.post(f"/app/chargers/{online['id']}/start", {"card_id": str(uuid.uuid4())})
    assert someone_elses.status_code == 404


async def test_the_running_session_updates_live_when_energy_flows(app_world: AppWorld) -> None:  # noqa: F811
    _, charger, driver = await app_world.at_home("LIVE-APP")
    t0 = now() - timedelta(minutes=5)
    transaction_id = await charge(charger, "LIVE-APP", meter_start=METER_START, at=t0)
    await meter(charger, transaction_id, t0 + timedelta(minutes=1), METER_START + 100)

    async def more_energy() -> None:
        await meter(charger, transaction_id, t0 + timedelta(minutes=2), METER_START + 1250)

    before, after = await sse_until(driver.portal.http, "/app/live/charging", first=lambda h: "0.100 kWh" in h,
                                    then=more_energy, until=lambda h: "1.250 kWh" in h)
    assert "Home" in before and "Stop charging" in after
    session_id = re.search(r'/app/sessions/([0-9a-f-]{36})', after)
    assert session_id is not None

    async def stop_at_charger() -> None:
        await charger.result("StopTransaction", {"transactionId": transaction_id, "meterStop": METER_START + 1300,
                                                 "timestamp": iso(t0 + timedelta(minutes=3))})

    _, finished = await sse_until(driver.portal.http, f"/app/live/sessions/{session_id.group(1)}",
                                  first=lambda h: "1.250 kWh" in h, then=stop_at_charger,
                                  until=lambda h: "Finished" in h)
    assert "1.300 kWh" in finished


async def test_history_pages(app_world: AppWorld) -> None:  # noqa: F811
    _, charger, driver = await app_world.at_home("MANY")
    t0 = now() - timedelta(days=2)
    for number in range(21):
        at = t0 + timedelta(hours=number)
        transaction_id = await charge(charger, "MANY", meter_start=number * 1000, at=at)
        await charger.result("StopTransaction", {"transactionId": transaction_id, "meterStop": number * 1000 + 500,
                                                 "timestamp": iso(at + timedelta(minutes=30))})
    first = await driver.portal.get("/app/charging")
    older = re.search(r'href="/app/charging\?cursor=([^"]+)"', first.text)
    assert older is not None and first.text.count("0.500 kWh") == 20
    rest = await asyncio.wait_for(driver.portal.get(f"/app/charging?cursor={older.group(1)}"), 10)
    assert rest.text.count("0.500 kWh") == 1 and "/app/charging?cursor=" not in rest.text
