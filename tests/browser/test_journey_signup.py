"""A new person signs up in the driver app (a phone), activates the account by the emailed link and
logs in: in English, with the keyboard alone at the login; and in Estonian and Norwegian Bokmål."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from chargeplane.portal.i18n import LANGUAGES
from tests.browser.browsers import Pages
from tests.browser.conftest import BrowserTenant
from tests.browser.keyboard import shows_focus, tab_to
from tests.browser.language import text_in
from tests.browser.mail import Mail
from tests.browser.people import PASSWORD, activate, in_the_app, log_in, new_email, sign_up, user_named

pytestmark = pytest.mark.browser


def test_a_new_person_signs_up_activates_by_the_emailed_link_and_logs_in_with_the_keyboard(
        browser_pages: Pages, tenant: BrowserTenant, mail: Mail) -> None:
    page = browser_pages.new(phone=True, time_zone="Europe/Vilnius")
    email = new_email()
    page.goto(f"/t/{tenant.slug}/signup")
    sign_up(page, email, "Mari Maasikas")
    pending = user_named(tenant, email)
    # The browser filled in its own time zone; the account's language is the page's.
    assert (pending["status"], pending["time_zone"], pending["language"]) == ("pending", "Europe/Vilnius", "en")
    assert pending["name"] == "Mari Maasikas"

    # Not yet: the account waits for the emailed link.
    page.goto(f"/t/{tenant.slug}/login")
    log_in(page, email)
    expect(page.get_by_role("alert")).to_contain_text("not active yet")

    activate(page, mail, email)
    assert user_named(tenant, email)["status"] == "active"

    # The login by keyboard alone: Tab reaches the fields in order, each shows that it has the focus,
    # Enter sends the form.
    email_field, password_field = page.get_by_label("Email", exact=True), page.get_by_label("Password")
    tab_to(page, email_field)
    assert shows_focus(email_field)
    page.keyboard.press("Tab")
    expect(password_field).to_be_focused()
    assert shows_focus(password_field)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    in_the_app(page)


@pytest.mark.parametrize(("language", "locale"), [("et", "et-EE"), ("nb", "en-GB")],
                         ids=["estonian-from-the-browser", "norwegian-from-the-switcher"])
def test_the_sign_up_journey_in_another_language(browser_pages: Pages, tenant: BrowserTenant, mail: Mail,
                                                 language: str, locale: str) -> None:
    """Estonian because the browser asks for it; Norwegian Bokmål picked in the language switcher of
    an English page. The choice holds through the emailed link, the login and the app, and becomes
    the account's language. (Each step checks `<html lang>` and the switcher; `translated=True` on the
    steps adds the check for English left over, once the catalogs are filled.)"""
    page = browser_pages.new(phone=True, locale=locale)
    email = new_email()
    page.goto(f"/t/{tenant.slug}/signup")
    if language not in locale:
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.get_by_role("combobox", name="Language").select_option(label=LANGUAGES[language])
    sign_up(page, email, "Kari Nordmann", language)
    assert user_named(tenant, email)["language"] == language
    activate(page, mail, email, language)
    page.get_by_label(text_in(language)("Password")).fill(PASSWORD)
    page.get_by_role("button", name=text_in(language)("Log in"), exact=True).click()
    in_the_app(page, language)
