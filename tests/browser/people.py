"""What a person does in the browser around their account: sign up, activate it by the emailed link,
log in. Fields and buttons are found by their accessible names, in the page's language (the English
while a catalog lacks the text), so every step also checks the forms' labelling. With `translated`,
each page is checked for English left over (`assert_translated`)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import Locator, Page, expect

from chargeplane.domain.identity.permissions import Role
from chargeplane.portal.i18n import LANGUAGES
from tests.browser.conftest import BrowserTenant
from tests.browser.language import assert_translated, text_in
from tests.browser.mail import ACCEPT_INVITATION, VERIFY_EMAIL, Mail
from tests.support.people import make_account, make_user
from tests.support.server import RunningApp

PASSWORD = "a long and secret passphrase"


def new_email(kind: str = "driver") -> str:
    return f"{kind}-{uuid.uuid4().hex[:10]}@example.org"


def sign_up(page: Page, email: str, name: str, language: str = "en", *, translated: bool = False) -> None:
    """Fill in and send the sign-up form (open); the page then says to check the email."""
    _ = text_in(language)
    expect(page.get_by_role("heading", name=_("Create an account"))).to_be_visible()
    in_language(page, language, translated)
    page.get_by_label(_("Your name")).fill(name)
    page.get_by_label(_("Email"), exact=True).fill(email)
    page.get_by_label(_("Password")).fill(PASSWORD)
    page.get_by_role("checkbox").check()  # the terms of use and the privacy policy
    page.get_by_role("button", name=_("Create account")).click()
    expect(page.get_by_role("heading", name=_("Check your email"))).to_be_visible()
    expect(page.get_by_text(email)).to_be_visible()
    in_language(page, language, translated)


def activate(page: Page, mail: Mail, email: str, language: str = "en", *, translated: bool = False) -> None:
    """Open the emailed link, activate, and follow the page's link to the login (the email filled in)."""
    _ = text_in(language)
    page.goto(mail.link(email, VERIFY_EMAIL))
    in_language(page, language, translated)
    page.get_by_role("button", name=_("Activate my account")).click()
    expect(page.get_by_role("heading", name=_("Your account is active"))).to_be_visible()
    in_language(page, language, translated)
    page.get_by_role("button", name=_("Log in"), exact=True).click()  # a link that looks like a button
    expect(page.get_by_label(_("Email"), exact=True)).to_have_value(email)
    in_language(page, language, translated)


def accept_invitation(page: Page, mail: Mail, email: str, name: str, language: str = "en", *,
                      translated: bool = False) -> None:
    """Open the emailed invitation, accept it as a new person (name, password, terms) and follow the
    page's link to the login (the email filled in)."""
    _ = text_in(language)
    page.goto(mail.link(email, ACCEPT_INVITATION))
    expect(page.get_by_role("button", name=_("Accept the invitation"))).to_be_visible()
    in_language(page, language, translated)
    page.get_by_label(_("Your name")).fill(name)
    page.get_by_label(_("Choose a password")).fill(PASSWORD)
    page.get_by_role("checkbox").check()  # the terms of use and the privacy policy
    page.get_by_role("button", name=_("Accept the invitation")).click()
    expect(page.get_by_text(_("Your account is ready. Log in to start."))).to_be_visible()
    in_language(page, language, translated)
    page.get_by_role("button", name=_("Log in"), exact=True).click()  # a link that looks like a button
    expect(page.get_by_label(_("Email"), exact=True)).to_have_value(email)
    in_language(page, language, translated)


def log_in(page: Page, email: str, password: str = PASSWORD, language: str = "en") -> None:
    """On the login page (open): fill in and send the form."""
    _ = text_in(language)
    page.get_by_label(_("Email"), exact=True).fill(email)
    page.get_by_label(_("Password")).fill(password)
    page.get_by_role("button", name=_("Log in"), exact=True).click()


def log_in_to_portal(page: Page, slug: str, email: str, language: str = "en", *, translated: bool = False) -> None:
    """Staff log in to the portal from a browser in English, choosing `language` in the login page's
    switcher first (their profile's language would win over the browser's)."""
    page.goto(f"/t/{slug}/login")
    if language != "en":
        page.get_by_role("combobox", name="Language", exact=True).select_option(label=LANGUAGES[language])
        in_language(page, language, translated)
    log_in(page, email, language=language)
    expect(page).to_have_url(re.compile(r"/portal/?$"))
    in_language(page, language, translated)


def in_the_app(page: Page, language: str = "en", *, translated: bool = False) -> None:
    """Logged in and in the driver app."""
    expect(page).to_have_url(re.compile(r"/app/?$"))
    expect(page.get_by_role("button", name=text_in(language)("Log out"))).to_be_visible()
    in_language(page, language, translated)


def field(page: Page, label: str) -> Locator:
    """The form control named `label`, exactly: its help text and its error describe it, outside the name."""
    return page.get_by_label(label, exact=True)


def in_language(page: Page, language: str, translated: bool, *, leave_out: str | None = None) -> None:
    if language != "en":
        assert_translated(page, language, check_translation=translated, leave_out=leave_out)


def user_named(tenant: BrowserTenant, email: str) -> dict[str, Any]:
    """The user with this email, as the tenant's API shows them."""
    response = tenant.api.get("/api/v1/users", params={"limit": 100})
    assert response.status_code == 200, response.text
    found = [user for user in response.json()["items"] if user["email"] == email]
    assert len(found) == 1, f"{email} is not among {response.json()['items']}"
    user: dict[str, Any] = found[0]
    return user


def make_staff(running: RunningApp, tenant: BrowserTenant, role: Role = Role.TENANT_ADMIN,
               account_id: uuid.UUID | None = None) -> str:
    """An active user with a password (PASSWORD) and this role; their email."""
    person = running.run(make_user(running, tenant.id, roles=[(role, account_id)], password=PASSWORD))
    running.run(person.api.aclose())
    return person.email


def make_owner(running: RunningApp, tenant: BrowserTenant, name: str) -> tuple[str, uuid.UUID]:
    """A charger owner as `/app/owner` makes one: a driver who is the admin of a personal (consumer)
    account named `name`; their email (password PASSWORD) and the account's id."""
    account_id = running.run(make_account(running, tenant.id, name=name, kind="consumer"))
    person = running.run(make_user(running, tenant.id, roles=[(Role.ACCOUNT_ADMIN, account_id), (Role.DRIVER, None)],
                                   email=new_email("owner"), password=PASSWORD))
    running.run(person.api.aclose())
    return person.email, account_id
