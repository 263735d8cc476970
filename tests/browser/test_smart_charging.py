"""Load balancing in the browser: an operator sets a site's grid limit of 32 A through the site's form
(with the keyboard: Enter saves), two simulated chargers at the site start charging, and the site's page
shows each session's share of 16 A, accepted by its charger, without being loaded again (server-sent
events). Then a driver on a phone sets "Stop at" on their running session with the keyboard alone."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from chargeplane.domain.identity.permissions import Role
from tests.browser.accessibility import assert_accessible
from tests.browser.browsers import Pages
from tests.browser.chargers import Chargers
from tests.browser.conftest import BrowserTenant
from tests.browser.keyboard import shows_focus, tab_to
from tests.browser.people import PASSWORD, field, log_in, log_in_to_portal, make_staff
from tests.browser.waiting import wait_until, without_reload
from tests.support.people import make_account, make_user
from tests.support.server import RunningApp

pytestmark = pytest.mark.browser
CHARGER_PASSWORD = "garage-charger-1"


def register(tenant: BrowserTenant, site_id: str, **fields: str) -> tuple[str, str]:
    identity = f"GARAGE-{uuid.uuid4().hex[:6].upper()}"
    made = tenant.api.post("/api/v1/charge-points", json={"identity": identity, "site_id": site_id,
                                                          "password": CHARGER_PASSWORD, **fields})
    assert made.status_code == 201, made.text
    return identity, made.json()["id"]


def card(tenant: BrowserTenant, uid: str, **fields: str) -> None:
    made = tenant.api.post("/api/v1/id-tokens", json={"uid": uid, **fields})
    assert made.status_code == 201, made.text


def test_an_operator_limits_a_site_and_watches_two_sessions_share_it(
        browser_pages: Pages, running_app: RunningApp, tenant: BrowserTenant, chargers: Chargers) -> None:
    site = tenant.api.post("/api/v1/sites", json={"name": "Garaaž", "time_zone": "Europe/Tallinn"})
    assert site.status_code == 201, site.text
    site_id = site.json()["id"]
    garage = [register(tenant, site_id) for _ in range(2)]
    for n, (identity, _) in enumerate(garage):
        card(tenant, f"GARAGE-CARD-{n}")
        # Cars that would take 32 A: what they get is the limit's share, not what they ask.
        chargers.start(identity, CHARGER_PASSWORD, id_tag=f"GARAGE-CARD-{n}", max_power_w=22_000.0)

    page = browser_pages.new()
    log_in_to_portal(page, tenant.slug, make_staff(running_app, tenant))
    page.goto(f"/portal/sites/{site_id}")
    section = page.get_by_role("region", name="Load balancing")
    expect(section).to_contain_text("No limit is set")
    section.get_by_role("button", name="Set a grid limit").click()
    expect(page.get_by_role("heading", name="Load balancing")).to_be_visible()
    assert_accessible(page)  # the limit's form
    expect(field(page, "Unit")).to_have_value("A")
    expect(field(page, "Phases")).to_have_value("3")
    limit = field(page, "Grid limit")
    limit.fill("32")
    limit.press("Enter")  # the form's first button saves
    expect(page).to_have_url(re.compile(rf"/portal/sites/{site_id}#load-balancing$"))
    stored = tenant.api.get(f"/api/v1/sites/{site_id}/charging-limit").json()
    assert (stored["limit"], stored["unit"], stored["enabled"], stored["schedule"]) == ("32.0", "A", True, []), stored

    section = page.get_by_role("region", name="Load balancing")
    expect(section.locator('[data-smart="limit"]')).to_contain_text("32.0 A per phase")
    for identity, _ in garage:  # both chargers steered, idle
        expect(section.get_by_role("row").filter(has_text=identity)).to_contain_text("Follows the profiles")
    with without_reload(page):
        for identity, _ in garage:
            running_app.run(chargers[identity].start_transaction(1))
        for identity, _ in garage:
            row = section.get_by_role("table", name="Each running session's share of the limit") \
                .get_by_role("row").filter(has_text=identity)
            expect(row.locator("td[data-share]")).to_have_text("16.0 A")
            expect(row.locator("td[data-answer]")).to_have_text("Accepted")
    assert_accessible(page)  # the site's page, changed by itself
    # And the chargers do as they are told: each draws within its 16 A.
    for identity, _ in garage:
        wait_until(lambda identity=identity: 0 < chargers[identity].current_draw() <= 16.0,  # type: ignore[misc]
                   what=f"{identity} drawing within its share")


def test_a_driver_sets_stop_at_on_a_phone_with_the_keyboard(
        browser_pages: Pages, running_app: RunningApp, tenant: BrowserTenant, chargers: Chargers) -> None:
    account = running_app.run(make_account(running_app, tenant.id, name="Kodu"))
    site = tenant.api.post("/api/v1/sites", json={"name": "Kodu", "account_id": str(account)}).json()
    identity, cp_id = register(tenant, site["id"], account_id=str(account))
    driver = running_app.run(make_user(running_app, tenant.id, roles=[(Role.DRIVER, account)], password=PASSWORD))
    running_app.run(driver.api.aclose())
    card(tenant, "KODU-FOB", user_id=str(driver.user_id))
    chargers.start(identity, CHARGER_PASSWORD, id_tag="KODU-FOB")
    running_app.run(chargers[identity].start_transaction(1))
    session = wait_until(lambda: tenant.api.get("/api/v1/sessions", params={"charge_point_id": cp_id}).json()["items"],
                         what="the session")[0]

    page = browser_pages.new(phone=True)
    page.goto(f"/t/{tenant.slug}/login")
    log_in(page, driver.email)
    page.goto(f"/app/sessions/{session['id']}")
    stop_at = page.get_by_role("region", name="Stop at")
    expect(stop_at).to_be_visible()
    assert_accessible(page)
    energy = stop_at.get_by_label("Energy (kWh)", exact=True)
    tab_to(page, energy, limit=40)
    assert shows_focus(energy)
    page.keyboard.type("12.5")
    page.keyboard.press("Tab")
    page.keyboard.type("80")  # the battery level
    page.keyboard.press("Tab")
    button = stop_at.get_by_role("button", name="Set the target")
    expect(button).to_be_focused()
    assert (button.bounding_box() or {"width": 0})["width"] <= 390  # within the phone's width
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/app/sessions/{session['id']}$"))
    expect(page.locator('[data-smart="stop-at"]')).to_contain_text("12.500 kWh or 80% battery")
    target = tenant.api.get(f"/api/v1/sessions/{session['id']}/charging-target").json()
    assert (target["energy_wh"], target["soc_percent"]) == (12_500, 80), target
    page.get_by_role("region", name="Stop at").get_by_role("button", name="Remove the target").click()
    expect(page.locator('[data-smart="stop-at"]')).to_have_count(0)
    assert tenant.api.get(f"/api/v1/sessions/{session['id']}/charging-target").status_code == 404
