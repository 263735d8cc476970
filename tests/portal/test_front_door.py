"""The portal's front door and its frame: login, where each person lands, branding, languages, CSRF."""

from __future__ import annotations

import uuid

from chargeplane.db import Scope
from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.tenancy.models import Tenant
from tests.portal.support import PASSWORD, PortalClient, PortalPerson, portal_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


async def test_staff_land_in_the_portal_and_drivers_in_the_app(running_app: RunningApp, tenant: TenantHandle,
                                                               admin: PortalPerson) -> None:
    landing = await admin.portal.http.get("/", follow_redirects=False)
    assert landing.headers["location"] == "/portal"
    driver = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.DRIVER, None)])
    try:
        assert (await driver.portal.http.get("/")).headers["location"] == "/app"
        # A driver who opens the portal is sent to the app.
        assert (await driver.portal.http.get("/portal")).headers["location"] == "/app"
    finally:
        await driver.portal.aclose()
        await driver.person.api.aclose()


async def test_a_wrong_password_says_so_without_saying_which_part(running_app: RunningApp, tenant: TenantHandle,
                                                                 admin: PortalPerson) -> None:
    client = PortalClient(running_app)
    try:
        await client.get(f"/t/{tenant.slug}/login")
        wrong = await client.post(f"/t/{tenant.slug}/login", {"email": admin.email, "password": "not it at all"})
        assert wrong.status_code == 401
        assert "The email or password is wrong" in wrong.text
        assert "chargeplane_session" not in wrong.headers.get("set-cookie", "")
    finally:
        await client.aclose()


async def test_a_logged_out_visitor_is_sent_to_the_login_and_back(running_app: RunningApp, tenant: TenantHandle,
                                                                 admin: PortalPerson) -> None:
    client = PortalClient(running_app)
    try:
        client.http.cookies.set("chargeplane_tenant", tenant.slug)
        away = await client.get("/portal?status=faulted")
        assert away.status_code == 303
        assert away.headers["location"] == f"/t/{tenant.slug}/login?next=/portal%3Fstatus%3Dfaulted"
        await client.get(away.headers["location"])
        back = await client.post(f"/t/{tenant.slug}/login", {"email": admin.email, "password": PASSWORD,
                                                             "next": "/portal?status=faulted"})
        assert back.headers["location"] == "/portal?status=faulted"
    finally:
        await client.aclose()
    # Never to another site.
    other = PortalClient(running_app)
    try:
        await other.get(f"/t/{tenant.slug}/login")
        elsewhere = await other.post(f"/t/{tenant.slug}/login", {"email": admin.email, "password": PASSWORD,
                                                                 "next": "//evil.example/"})
        assert elsewhere.headers["location"] == "/"
    finally:
        await other.aclose()


async def test_forms_without_the_csrf_token_are_refused(running_app: RunningApp, tenant: TenantHandle,
                                                       admin: PortalPerson) -> None:
    refused = await admin.portal.http.post("/logout", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert (await admin.portal.http.get("/", follow_redirects=False)).headers["location"] == "/portal"
    stranger = PortalClient(running_app)
    try:
        no_token = await stranger.http.post(f"/t/{tenant.slug}/login", data={"email": admin.email,
                                                                            "password": PASSWORD})
        assert no_token.status_code == 403
    finally:
        await stranger.aclose()


async def test_log_out_ends_the_session(admin: PortalPerson) -> None:
    out = await admin.portal.post("/logout")
    assert out.status_code == 303
    assert (await admin.portal.http.get("/portal")).status_code == 303  # to the login page


async def test_pages_wear_the_tenants_brand_and_speak_the_chosen_language(
        running_app: RunningApp, tenant: TenantHandle, admin: PortalPerson) -> None:
    def brand(uow: object) -> None:
        row = uow.session.get(Tenant, tenant.id)  # type: ignore[attr-defined]
        row.display_name, row.primary_color, row.logo_url = "Volt Coop", "#123456", "https://cdn.example/logo.png"

    await running_app.arun(running_app.app.db.write(Scope.tenant(tenant.id), brand))
    client = PortalClient(running_app)
    try:
        login = await client.get(f"/t/{tenant.slug}/login", headers={"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"})
        assert "Volt Coop" in login.text and "--brand-primary: #123456" in login.text
        assert 'src="https://cdn.example/logo.png"' in login.text
        assert '<html lang="sv"' in login.text
        switched = await client.post("/language", {"language": "et", "next": f"/t/{tenant.slug}/login"})
        assert switched.headers["location"] == f"/t/{tenant.slug}/login"
        again = await client.get(f"/t/{tenant.slug}/login")
        assert '<html lang="et"' in again.text
    finally:
        await client.aclose()


async def test_an_unknown_platform_is_a_plain_not_found(running_app: RunningApp) -> None:
    client = PortalClient(running_app)
    try:
        missing = await client.get(f"/t/no-such-{uuid.uuid4().hex[:6]}/login")
        assert missing.status_code == 404
    finally:
        await client.aclose()
