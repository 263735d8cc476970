"""Journey 2: a charger's owner invites a second person by email into their account; the invitee
opens the emailed link, accepts (name, password, terms), logs in to the driver app on a phone, finds
the shared charger, starts charging with a virtual card made on the spot, watches the energy grow
without reloading (server-sent events) while the simulated charger meters, stops, and finds the
finished session in the history. In English, and in Norwegian Bokmål with no English left."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.browsers import Pages
from tests.browser.chargers import Chargers
from tests.browser.conftest import BrowserTenant
from tests.browser.language import context_in, text_in
from tests.browser.mail import Mail
from tests.browser.people import (
    accept_invitation,
    field,
    in_language,
    in_the_app,
    log_in,
    log_in_to_portal,
    make_owner,
    new_email,
    user_named,
)
from tests.browser.waiting import wait_until, without_reload
from tests.support.server import RunningApp

pytestmark = pytest.mark.browser
# uPlot labels the time series of a chart's legend "Time" itself (assets/portal.js gives it no label of
# ours): English on every page with a chart until the chart's spec brings the label in the viewer's words.
CHART_TIME_LABEL = ".u-legend .u-series:first-child .u-label"


def wh(shown: str) -> int:
    """Wh from energy as the app shows it ("1,234.567 kWh", "0,012 kWh"): always three decimals, so
    the digits alone are the Wh, whatever the locale's separators."""
    return int(re.sub(r"\D", "", shown))


def sessions(tenant: BrowserTenant, charge_point_id: str, state: str) -> list[dict[str, Any]]:
    response = tenant.api.get("/api/v1/sessions", params={"charge_point_id": charge_point_id, "state": state})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"]
    return found


def owner_invites(page: Page, tenant: BrowserTenant, owner: str, invitee: str, language: str,
                  translated: bool) -> None:
    """The owner logs in to the portal (a browser in English, the language chosen in the switcher: their
    profile's would win over the browser's) and sends the invitation."""
    _, in_context = text_in(language), context_in(language)
    log_in_to_portal(page, tenant.slug, owner, language, translated=translated)
    page.get_by_role("navigation", name=_("Portal")).get_by_role("link", name=_("Invitations")).click()
    in_language(page, language, translated)
    page.get_by_role("button", name=_("Send an invitation")).click()
    expect(page.get_by_role("heading", name=_("Send an invitation"))).to_be_visible()
    in_language(page, language, translated)
    field(page, _("Email")).fill(invitee)
    field(page, in_context("person", "Name")).fill("Kari Nordmann")
    page.get_by_role("combobox", name=_("Language of the invitation")).select_option(language)
    # A member of my own account (the form's choice for an owner), as a driver.
    account = page.get_by_role("combobox", name=_("Account"), exact=True)
    expect(account.locator("option:checked")).to_have_text("Ola Nordmann")
    expect(page.get_by_role("combobox", name=_("Role"), exact=True)).to_have_value("driver")
    page.get_by_role("button", name=_("Send the invitation")).click()
    expect(page.get_by_role("status").filter(has_text=_("The invitation is sent."))).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=invitee)).to_be_visible()
    in_language(page, language, translated)


def shared_charging_journey(browser_pages: Pages, running_app: RunningApp, tenant: BrowserTenant, mail: Mail,
                            chargers: Chargers, *, language: str, locale: str, translated: bool) -> None:
    _ = text_in(language)
    owner, account_id = make_owner(running_app, tenant, "Ola Nordmann")
    identity = f"DEL-{uuid.uuid4().hex[:8].upper()}"
    registered = tenant.api.post("/api/v1/charge-points", json={
        "identity": identity, "name": "Garasje", "account_id": str(account_id), "password": "garasje-passord-1"})
    assert registered.status_code == 201, registered.text
    cp_id = registered.json()["id"]
    chargers.start(identity, "garasje-passord-1", meter_interval=0.2)

    invitee = new_email("invitee")
    owner_invites(browser_pages.new(), tenant, owner, invitee, language, translated)

    # The invitee, on a phone: the emailed link, accepted; the login; the app.
    page = browser_pages.new(phone=True, locale=locale)
    accept_invitation(page, mail, invitee, "Kari Nordmann", language, translated=translated)
    assert [(m["role"], m["account_id"]) for m in user_named(tenant, invitee)["memberships"]] == [
        ("driver", str(account_id))]
    log_in(page, invitee, language=language)
    in_the_app(page, language, translated=translated)
    assert_accessible(page)  # the app's chargers
    charger_link = page.get_by_role("link", name="Garasje")
    expect(page.get_by_role("listitem").filter(has=charger_link)).to_contain_text(_("Available"))

    # The charger's page: no card of mine can charge here yet; a virtual card is made on the spot.
    charger_link.click()
    expect(page.get_by_role("heading", name="Garasje", level=1)).to_be_visible()
    in_language(page, language, translated)
    assert_accessible(page)
    page.get_by_role("button", name=_("Start with a virtual card")).click()
    expect(page).to_have_url(re.compile(r"/app/charging\?started="))
    expect(page.get_by_role("status").filter(
        has_text=_("The charger accepted. Charging begins when your car is plugged in."))).to_be_visible()
    running = wait_until(lambda: sessions(tenant, cp_id, "active"), what="the session on the simulated charger")
    card = tenant.api.get("/api/v1/id-tokens", params={"uid": running[0]["id_tag"]}).json()["items"]
    assert [(c["kind"], c["user_id"]) for c in card] == [("virtual", user_named(tenant, invitee)["id"])], card

    # The running session: its energy grows as the charger meters, without a reload.
    session = page.locator("article.running")
    energy = session.locator("dd.metric").first
    with without_reload(page):
        expect(session).to_contain_text("Garasje")
        expect(energy).not_to_have_text(re.compile(r"^0[.,]000 kWh$"))
        first = energy.inner_text()
        expect(energy).not_to_have_text(first)
        assert wh(energy.inner_text()) > wh(first), (first, energy.inner_text())
    in_language(page, language, translated)
    assert_accessible(page)  # the charging page, live

    # Stop: the charger ends the session; the running part empties by itself, the history has it.
    session.get_by_role("button", name=_("Stop charging")).click()
    expect(page).to_have_url(re.compile(r"/app/charging\?stopped=1"))
    with without_reload(page):
        expect(page.get_by_text(_("You are not charging right now."))).to_be_visible()
    done = wait_until(lambda: sessions(tenant, cp_id, "completed"), what="the completed session")[0]
    assert done["id"] == running[0]["id"] and done["energy_wh"] > 0 and done["stop_reason"] == "Remote", done
    page.reload()
    in_language(page, language, translated)
    history = page.get_by_role("region", name=_("History")).get_by_role("row").filter(has_text="Garasje")
    expect(history).to_have_count(1)
    assert wh(history.get_by_role("cell").nth(2).inner_text()) == done["energy_wh"]  # date, charger, energy
    expect(history).not_to_contain_text(_("Charging"))  # finished: no state shown
    history.get_by_role("link").click()
    expect(page.get_by_text(_("Stopped from the app"))).to_be_visible()
    expect(page.locator("[data-chart-drawn]")).to_be_attached()  # energy and power over the session
    in_language(page, language, translated, leave_out=CHART_TIME_LABEL)


def test_an_invited_person_charges_at_the_shared_charger_and_sees_the_energy_live(
        browser_pages: Pages, running_app: RunningApp, tenant: BrowserTenant, mail: Mail, chargers: Chargers) -> None:
    shared_charging_journey(browser_pages, running_app, tenant, mail, chargers, language="en", locale="en-GB",
                            translated=False)


def test_the_shared_charging_journey_in_norwegian_leaves_no_english(
        browser_pages: Pages, running_app: RunningApp, tenant: BrowserTenant, mail: Mail, chargers: Chargers) -> None:
    shared_charging_journey(browser_pages, running_app, tenant, mail, chargers, language="nb", locale="nb-NO",
                            translated=True)
