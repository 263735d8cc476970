"""A staff member sets up the second factor in a real browser: the page draws the setup link as a QR
code (and shows the key), a code from the key switches it on, and the next login asks for one."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
from playwright.sync_api import Page, expect

from tests.browser.conftest import BrowserTenant
from tests.browser.people import field, log_in, log_in_to_portal, make_staff
from tests.support.server import RunningApp


def test_staff_scan_the_code_switch_the_second_factor_on_and_are_asked_for_it(
        page: Page, running_app: RunningApp, tenant: BrowserTenant) -> None:
    email = make_staff(running_app, tenant)
    log_in_to_portal(page, tenant.slug, email)
    page.goto("/app/profile")
    page.get_by_role("button", name="Set up the second factor").click()

    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr.locator("svg path").first).to_be_attached()  # drawn in the page from the setup link
    link = qr.get_attribute("data-qr") or ""
    assert link.startswith("otpauth://totp/") and unquote(urlparse(link).path).endswith(email)
    secret = page.locator("code.totp-secret").inner_text().strip()
    assert parse_qs(urlparse(link).query)["secret"] == [secret]  # the code and the key agree

    field(page, "Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Switch on").click()
    expect(page.get_by_role("status")).to_contain_text("The second factor is on")

    page.get_by_role("button", name="Log out").first.click()
    page.goto(f"/t/{tenant.slug}/login")
    log_in(page, email)
    expect(field(page, "Code from your authenticator app")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"/portal/?$"))
