"""Journey 1: a new owner signs up in the driver app, activates the account by the emailed link, logs
in, becomes a charger owner ("Add my charger"), registers the charger in the portal (its OCPP address,
identity and password shown once), the simulator connects with exactly those, the owner creates a
card and sees the charger online, live. In English, and in Estonian with no English left."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.browsers import Pages
from tests.browser.chargers import Chargers
from tests.browser.conftest import BrowserTenant
from tests.browser.language import text_in
from tests.browser.mail import PUBLIC_URL, Mail
from tests.browser.people import activate, field, in_language, in_the_app, log_in, new_email, sign_up, user_named
from tests.browser.waiting import without_reload
from tests.support.server import RunningApp

pytestmark = pytest.mark.browser


def fact(page: Page, term: str) -> str:
    """The value of a term in the page's description list (`<dt>term</dt><dd>value</dd>`)."""
    return page.locator("dt", has_text=re.compile(f"^{re.escape(term)}$")).locator(
        "xpath=following-sibling::dd[1]").inner_text().strip()


def owner_journey(browser_pages: Pages, running_app: RunningApp, tenant: BrowserTenant, mail: Mail,
                  chargers: Chargers, *, language: str, locale: str, translated: bool) -> None:
    _ = text_in(language)

    def here() -> None:
        in_language(page, language, translated)

    # Sign up on a phone, activate by the emailed link, log in: the driver app.
    page = browser_pages.new(phone=True, locale=locale)
    email = new_email("owner")
    page.goto(f"/t/{tenant.slug}/signup")
    assert_accessible(page)
    sign_up(page, email, "Olev Omanik", language, translated=translated)
    activate(page, mail, email, language, translated=translated)
    assert_accessible(page)  # the login
    log_in(page, email, language=language)
    in_the_app(page, language, translated=translated)
    assert_accessible(page)  # the app's chargers (none yet)
    expect(page.get_by_text(_("There are no chargers you can use yet. When someone shares a charger with you, it "
                              "appears here."))).to_be_visible()

    # "Add my charger": a personal account of mine, and on to the portal's form.
    page.get_by_role("link", name=_("Add my charger")).click()
    expect(page.get_by_role("heading", name=_("Your own charger"))).to_be_visible()
    here()
    page.get_by_role("button", name=_("Register my charger")).click()
    expect(page).to_have_url(re.compile(r"/portal/charge-points/new$"))
    expect(page.get_by_role("heading", name=_("Add a charge point"))).to_be_visible()
    here()
    owner = user_named(tenant, email)
    administered = [m["account_id"] for m in owner["memberships"] if m["role"] == "account_admin"]
    assert len(administered) == 1 and administered[0] is not None, owner

    identity = f"OMA-{uuid.uuid4().hex[:8].upper()}"
    field(page, _("Identity")).fill(identity)
    field(page, _("Name")).fill("Garaaž")
    page.get_by_role("button", name=_("Add the charge point")).click()
    expect(page.get_by_role("heading", name=_("Charge point added"))).to_be_visible()
    here()
    expect(page.get_by_role("alert")).to_have_text(_("Copy it now: it is shown only this once."))
    ocpp_url, shown_identity, password = (fact(page, _("Server address")), fact(page, _("Identity")),
                                          fact(page, _("Password")).splitlines()[0].strip())
    # The address is this installation's public one with ws(s), ending in the identity.
    assert ocpp_url == f"wss://{urlsplit(PUBLIC_URL).netloc}/ocpp/{identity}", ocpp_url
    assert shown_identity == identity and len(password) >= 16, (shown_identity, password)

    # The charger's page, before the charger connects; it turns connected by itself when it does.
    page.get_by_role("button", name=_("Open the charge point")).click()
    expect(page.get_by_role("heading", name=identity)).to_be_visible()
    live = page.locator("#live")
    expect(live).to_contain_text(_("Not connected"))
    here()
    with without_reload(page):
        # The simulator is given exactly what the page showed: the identity, the password, and the
        # server's address (the test app's, as the public one leads nowhere here).
        chargers.start(urlsplit(ocpp_url).path.rsplit("/", 1)[1], password, meter_interval=0.2)
        expect(live.get_by_text(_("Connected"), exact=True)).to_be_visible()
        expect(live.locator('tr[data-connector="1"]')).to_contain_text(_("Available"))
    here()
    assert_accessible(page)  # the charge point's page
    registered = tenant.api.get("/api/v1/charge-points", params={"identity": identity}).json()["items"]
    # In my own account (the form offered no other), connected.
    assert [(cp["identity"], cp["connected"], cp["account_id"]) for cp in registered] == [
        (identity, True, administered[0])], registered

    # A card of my own, made in the portal.
    page.get_by_role("navigation", name=_("Portal")).get_by_role("link", name=_("Cards")).click()
    here()
    page.get_by_role("button", name=_("New card")).click()
    here()
    uid = f"OW{uuid.uuid4().hex[:8].upper()}"
    field(page, _("Uid (the RFID card's id)")).fill(uid)
    field(page, _("Label")).fill("Võtmehoidja")
    field(page, _("Holder (their email)")).fill(email)
    page.get_by_role("button", name=_("Create card")).click()
    expect(page.get_by_role("heading", name=_("Card %(uid)s") % {"uid": uid})).to_be_visible()
    here()
    cards = tenant.api.get("/api/v1/id-tokens", params={"uid": uid}).json()["items"]
    assert [(c["uid"], c["user_id"], c["account_id"], c["status"]) for c in cards] == [
        (uid, owner["id"], administered[0], "accepted")], cards
    # The charger knows the card now: it may charge with it.
    assert chargers.authorize(identity, uid) == "Accepted"

    # The list of my charge points shows it online.
    page.get_by_role("navigation", name=_("Portal")).get_by_role("link", name=_("Charge points")).click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=identity))
    expect(row).to_contain_text(_("Available"))
    expect(page.get_by_role("row")).to_have_count(2)  # the head and my one charger
    here()


def test_a_new_owner_adds_a_charger_the_simulator_connects_and_it_shows_online(
        browser_pages: Pages, running_app: RunningApp, tenant: BrowserTenant, mail: Mail, chargers: Chargers) -> None:
    owner_journey(browser_pages, running_app, tenant, mail, chargers, language="en", locale="en-GB", translated=False)


def test_the_owner_journey_in_estonian_leaves_no_english(
        browser_pages: Pages, running_app: RunningApp, tenant: BrowserTenant, mail: Mail, chargers: Chargers) -> None:
    owner_journey(browser_pages, running_app, tenant, mail, chargers, language="et", locale="et-EE", translated=True)
