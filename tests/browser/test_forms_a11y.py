"""Forms as a screen reader meets them: a field is named by its label alone, its help text or its error
describes it (and a refused field says it is invalid); and the invitation form asks for an account
only while the chosen role belongs to one, the account part following the role without a reload."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.browser.browsers import Pages
from tests.browser.conftest import BrowserTenant
from tests.browser.people import field, log_in_to_portal, make_staff, new_email
from tests.support.people import make_account
from tests.support.server import RunningApp

pytestmark = pytest.mark.browser


def test_a_fields_name_is_its_label_and_its_help_or_its_error_describes_it(browser_pages: Pages,
                                                                             tenant: BrowserTenant) -> None:
    page = browser_pages.new()
    page.goto(f"/t/{tenant.slug}/signup")
    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_accessible_name("Password")
    expect(password).to_have_accessible_description("At least 12 characters.")
    expect(password).not_to_have_attribute("aria-invalid", "true")
    # The terms: one whole sentence names the checkbox; the two documents' links describe it.
    terms = page.get_by_role("checkbox", name="I accept the terms of use and the privacy policy.", exact=True)
    expect(terms).to_have_accessible_description("Terms of use · Privacy policy")

    # Refused by the server: the field is invalid, still named by its label, described by the error.
    field(page, "Email").fill(new_email())
    password.fill("too short")
    terms.check()
    page.get_by_role("button", name="Create account").click()
    expect(password).to_have_attribute("aria-invalid", "true")
    error = page.locator("#e-password")
    expect(error).to_be_visible()
    expect(password).to_have_accessible_name("Password")
    expect(password).to_have_accessible_description(error.inner_text().strip())
    assert error.inner_text().strip() != "At least 12 characters."
    assert_accessible(page)


def invitations_of(tenant: BrowserTenant, email: str) -> list[dict[str, Any]]:
    response = tenant.api.get("/api/v1/invitations", params={"limit": 100})
    assert response.status_code == 200, response.text
    return [invitation for invitation in response.json()["items"] if invitation["email"] == email]


def test_the_invitation_form_asks_for_an_account_only_for_a_role_in_one(
        browser_pages: Pages, running_app: RunningApp, tenant: BrowserTenant) -> None:
    harbour = running_app.run(make_account(running_app, tenant.id, name="Harbour Housing"))
    running_app.run(make_account(running_app, tenant.id, name="Mill Street Garages"))
    page = browser_pages.new()
    log_in_to_portal(page, tenant.slug, make_staff(running_app, tenant))
    page.goto("/portal/invitations/new")
    role = page.get_by_role("combobox", name="Role", exact=True)
    account = page.get_by_role("combobox", name="Account", exact=True)
    # A tenant admin starts with the driver role and an account to choose (two there): required.
    expect(role).to_have_value("driver")
    expect(account).to_have_value("")
    expect(account.locator("option:checked")).to_have_text("Choose an account")
    expect(account).to_have_attribute("required", "")
    assert_accessible(page)

    # A tenant role: the account part goes (htmx), and says why; the role keeps the focus.
    role.focus()
    role.select_option("customer_support")
    expect(page.get_by_text("This role is for the whole platform: the person joins no account.")).to_be_visible()
    expect(account).to_have_count(0)
    expect(role).to_be_focused()
    # Back to a role in an account: asked again, and the browser itself holds the form until one is chosen.
    role.select_option("account_member")
    expect(account).to_be_visible()
    email = new_email("member")
    field(page, "Email").fill(email)
    page.get_by_role("button", name="Send the invitation").click()
    expect(account).to_be_focused()
    assert account.evaluate("select => select.validity.valueMissing") is True
    assert invitations_of(tenant, email) == []

    account.select_option(label="Harbour Housing")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status").filter(has_text="The invitation is sent.")).to_be_visible()
    [sent] = invitations_of(tenant, email)
    assert (sent["role"], sent["account_id"]) == ("account_member", str(harbour))
