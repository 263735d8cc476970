"""My profile in the driver app: name, language, time zone, mobile; a new password; the second factor
(set up with a real authenticator's code, then asked at login; turned off); logging out everywhere."""

from __future__ import annotations

import re

import pyotp

from chargeplane.domain.identity.permissions import Role
from tests.portal.support import PASSWORD, PortalClient, PortalPerson, open_for_people, portal_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

ME = "/api/v1/auth/me"


async def _driver(running_app: RunningApp, tenant: TenantHandle, role: Role = Role.DRIVER) -> PortalPerson:
    await open_for_people(running_app, tenant.id)
    return await portal_user(running_app, tenant.id, tenant.slug, roles=[(role, None)])


async def _close(person: PortalPerson) -> None:
    await person.portal.aclose()
    await person.person.api.aclose()


async def test_profile_changes_persist(running_app: RunningApp, tenant: TenantHandle) -> None:
    driver = await _driver(running_app, tenant)
    try:
        page = await driver.portal.get("/app/profile")
        assert page.status_code == 200 and driver.email in page.text and 'id="totp"' in page.text
        assert '<option value="Europe/Tallinn"' in page.text and 'lang="nb"' in page.text

        wrong = await driver.portal.post("/app/profile", {"name": "Mari", "language": "en", "time_zone": "UTC",
                                                          "mobile": "12"})
        assert wrong.status_code == 422 and "Enter the mobile number in international form" in wrong.text
        assert 'value="Mari"' in wrong.text  # what was typed stays
        no_zone = await driver.portal.post("/app/profile", {"name": "Mari", "time_zone": "Mars/Olympus"})
        assert no_zone.status_code == 422 and "Choose a time zone from the list." in no_zone.text

        saved = await driver.portal.post("/app/profile", {"name": "Mari Maasikas", "language": "et",
                                                          "time_zone": "Europe/Tallinn", "mobile": "+372 5555 1234"})
        assert saved.status_code == 303 and saved.headers["location"] == "/app/profile?done=saved"
        assert "chargeplane_lang=et" in saved.headers["set-cookie"]
        me = (await driver.person.api.get(ME)).json()
        assert (me["name"], me["language"], me["time_zone"], me["mobile"]) == (
            "Mari Maasikas", "et", "Europe/Tallinn", "+37255551234")
        assert '<html lang="et"' in (await driver.portal.get("/app/profile")).text

        removed = await driver.portal.post("/app/profile", {"name": "Mari Maasikas", "mobile": ""})
        assert removed.status_code == 303
        me = (await driver.person.api.get(ME)).json()
        assert (me["mobile"], me["language"], me["time_zone"]) == (None, "et", "Europe/Tallinn")
    finally:
        await _close(driver)


async def test_a_new_password(running_app: RunningApp, tenant: TenantHandle) -> None:
    driver = await _driver(running_app, tenant)
    try:
        wrong = await driver.portal.post("/app/profile/password", {"current_password": "not my password",
                                                                   "new_password": "a brand new passphrase"})
        assert wrong.status_code == 422 and "The current password is wrong." in wrong.text
        short = await driver.portal.post("/app/profile/password", {"current_password": PASSWORD,
                                                                   "new_password": "short"})
        assert short.status_code == 422 and "must be 12 to 128 characters long" in short.text
        changed = await driver.portal.post("/app/profile/password", {"current_password": PASSWORD,
                                                                     "new_password": "a brand new passphrase"})
        assert changed.status_code == 303 and changed.headers["location"] == "/app/profile?done=password"
        assert (await driver.portal.get("/app/profile")).status_code == 200  # this session goes on
        fresh = PortalClient(running_app)
        try:
            await fresh.log_in(tenant.slug, driver.email, "a brand new passphrase")
            assert (await fresh.get("/app/profile")).status_code == 200
        finally:
            await fresh.aclose()
    finally:
        await _close(driver)


def _secret(page: str) -> str:
    found = re.search(r'<code class="totp-secret">([A-Z2-7]+)</code>', page)
    assert found, "no secret on the page"
    return found.group(1)


async def test_second_factor_set_up_then_asked_at_login(running_app: RunningApp, tenant: TenantHandle) -> None:
    admin = await _driver(running_app, tenant, Role.TENANT_ADMIN)
    try:
        page = await admin.portal.get("/app/profile")
        assert "Your role asks for a second factor" in page.text
        setup = await admin.portal.post("/app/profile/totp/setup")
        assert setup.status_code == 200
        secret = _secret(setup.text)
        assert 'href="otpauth://totp/' in setup.text and f"secret={secret}" in setup.text
        totp = pyotp.TOTP(secret)

        wrong = await admin.portal.post("/app/profile/totp/enable", {"code": "000000", "secret": secret,
                                                                     "otpauth_uri": "otpauth://totp/x"})
        assert wrong.status_code == 422 and "That code is not valid" in wrong.text
        assert _secret(wrong.text) == secret  # shown again for another try
        on = await admin.portal.post("/app/profile/totp/enable", {"code": totp.now()})
        assert on.status_code == 303 and on.headers["location"] == "/app/profile?done=totp-on#totp"
        assert (await admin.person.api.get(ME)).json()["totp"] == {"enabled": True, "required": True}
        assert "The second factor is on" in (await admin.portal.get("/app/profile")).text

        visitor = PortalClient(running_app)
        try:
            await visitor.get(f"/t/{tenant.slug}/login")
            step = await visitor.post(f"/t/{tenant.slug}/login", {"email": admin.email, "password": PASSWORD})
            assert step.status_code == 401 and 'name="totp_code"' in step.text
            code = totp.at(running_app.app.clock.now().timestamp() + 30)  # the enabling code is spent
            done = await visitor.post(f"/t/{tenant.slug}/login", {"email": admin.email, "password": PASSWORD,
                                                                  "totp_code": code})
            assert done.status_code == 303 and "chargeplane_session" in done.headers["set-cookie"]
        finally:
            await visitor.aclose()

        bad = await admin.portal.post("/app/profile/totp/disable", {"password": "not my password"})
        assert bad.status_code == 422 and "The password is wrong." in bad.text
        nothing = await admin.portal.post("/app/profile/totp/disable", {})
        assert nothing.status_code == 422
        off = await admin.portal.post("/app/profile/totp/disable", {"password": PASSWORD})
        assert off.status_code == 303 and off.headers["location"] == "/app/profile?done=totp-off#totp"
        assert (await admin.person.api.get(ME)).json()["totp"]["enabled"] is False
    finally:
        await _close(admin)


async def test_log_out_everywhere(running_app: RunningApp, tenant: TenantHandle) -> None:
    driver = await _driver(running_app, tenant)
    try:
        out = await driver.portal.post("/app/profile/logout-everywhere")
        assert out.status_code == 303 and out.headers["location"] == f"/t/{tenant.slug}/login"
        assert (await driver.portal.http.get("/app")).status_code == 303  # to the login page
        assert (await driver.person.api.get(ME)).status_code == 401  # the app token too
    finally:
        await _close(driver)
