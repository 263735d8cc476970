"""The tenant's settings in the operator portal: saved through the domain's checks, shown at once in
every page's brand, a new terms version said as such, and changed only by tenant admins."""

from __future__ import annotations

from typing import Any

from chargeplane.domain.identity.permissions import Role
from tests.portal.support import PortalPerson, portal_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

SETTINGS: dict[str, Any] = {
    "name": "Volt Operator", "display_name": "Volt Coop", "logo_url": "https://cdn.example/volt.png",
    "primary_color": "#AB1234", "accent_color": "#00aa55", "languages": ["en", "et", "nb"], "default_language": "et",
    "currency": "eur", "time_zone": "Europe/Tallinn", "support_email": "Help@Volt.example",
    "support_url": "https://volt.example/help", "terms_url": "https://operator.example/terms",
    "privacy_url": "https://operator.example/privacy",
}


async def tenant_settings(tenant: TenantHandle) -> dict[str, Any]:
    body: dict[str, Any] = (await tenant.api.get("/api/v1/tenant")).json()
    return body


async def test_the_settings_page_shows_the_current_settings(tenant: TenantHandle, admin: PortalPerson) -> None:
    page = await admin.portal.get("/portal/settings")
    assert page.status_code == 200 and 'aria-current="page"' in page.text
    assert 'value="https://operator.example/terms"' in page.text
    assert 'id="f-languages-lt" type="checkbox" name="languages" value="lt" checked' in page.text
    assert 'type="color" name="primary_color" value="#0b7a4b"' in page.text  # the default, until one is set
    assert "Now in force: version 1." in page.text


async def test_a_settings_change_shows_in_the_next_pages_brand(running_app: RunningApp, tenant: TenantHandle,
                                                               admin: PortalPerson) -> None:
    saved = await admin.portal.post("/portal/settings", SETTINGS | {"allow_auto_registration": "true"})
    assert saved.status_code == 303 and saved.headers["location"] == "/portal/settings?done=saved"
    stored = await tenant_settings(tenant)
    assert stored["display_name"] == "Volt Coop" and stored["primary_color"] == "#ab1234"
    assert stored["languages"] == ["en", "et", "nb"] and stored["default_language"] == "et"
    assert stored["currency"] == "EUR" and stored["support_email"] == "Help@volt.example"
    assert stored["allow_auto_registration"] is True and stored["terms_version"] == 1
    # The very next page wears the new brand: name, colours, logo, languages on offer.
    users = await admin.portal.get("/portal/users")
    assert "Volt Coop" in users.text and "--brand-primary: #ab1234" in users.text
    assert "--brand-accent: #00aa55" in users.text and 'src="https://cdn.example/volt.png"' in users.text
    assert 'value="nb" lang="nb"' in users.text and 'value="lt" lang="lt"' not in users.text
    back = await admin.portal.get(saved.headers["location"])
    assert "The settings are saved." in back.text
    # Back to the default colours.
    plain = await admin.portal.post("/portal/settings", SETTINGS | {"primary_default": "true",
                                                                    "accent_default": "true"})
    assert plain.status_code == 303
    stored = await tenant_settings(tenant)
    assert stored["primary_color"] is None and stored["accent_color"] is None
    assert stored["allow_auto_registration"] is False


async def test_new_terms_links_are_a_new_version(tenant: TenantHandle, admin: PortalPerson) -> None:
    changed = await admin.portal.post("/portal/settings", SETTINGS | {"default_language": "en",
                                                                      "terms_url": "https://operator.example/terms-2"})
    assert changed.status_code == 303 and changed.headers["location"] == "/portal/settings?done=terms"
    assert (await tenant_settings(tenant))["terms_version"] == 2
    page = await admin.portal.get(changed.headers["location"])
    assert "this is terms version 2" in page.text and "Now in force: version 2." in page.text


async def test_mistakes_are_shown_next_to_their_fields(tenant: TenantHandle, admin: PortalPerson) -> None:
    plain_http = await admin.portal.post("/portal/settings", SETTINGS | {"support_url": "http://volt.example"})
    assert plain_http.status_code == 422
    assert 'id="e-support_url"' in plain_http.text and "must be an https:// URL" in plain_http.text
    assert 'value="Volt Coop"' in plain_http.text  # what was typed stays
    not_offered = await admin.portal.post("/portal/settings", SETTINGS | {"default_language": "sv"})
    assert not_offered.status_code == 422 and 'id="e-default_language"' in not_offered.text
    none = await admin.portal.post("/portal/settings", SETTINGS | {"languages": []})
    assert none.status_code == 422 and 'id="e-languages"' in none.text
    zone = await admin.portal.post("/portal/settings", SETTINGS | {"time_zone": "Mars/Olympus"})
    assert zone.status_code == 422 and 'id="e-time_zone"' in zone.text
    nameless = await admin.portal.post("/portal/settings", SETTINGS | {"name": " "})
    assert nameless.status_code == 422 and 'id="e-name"' in nameless.text
    assert (await tenant_settings(tenant))["display_name"] is None  # nothing was saved


async def test_only_tenant_admins_change_settings(running_app: RunningApp, tenant: TenantHandle,
                                                  admin: PortalPerson) -> None:
    support = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.CUSTOMER_SUPPORT, None)])
    try:
        shown = await support.portal.get("/portal/settings")
        assert shown.status_code == 200 and "Only a tenant admin changes these settings." in shown.text
        assert "<fieldset disabled" in shown.text and "Save the settings" not in shown.text
        refused = await support.portal.post("/portal/settings", SETTINGS)
        assert refused.status_code == 403
        assert (await tenant_settings(tenant))["display_name"] is None
    finally:
        await support.portal.aclose()
        await support.person.api.aclose()
