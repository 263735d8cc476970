"""The tenant's own settings: branding, languages, currency, time zone, links; checked and audited."""

from __future__ import annotations

import pytest

from chargeplane.domain.errors import Conflict
from chargeplane.domain.tenancy.models import Tenant
from chargeplane.domain.tenancy.service import require_terms
from tests.organisation.conftest import World, items

SETTINGS = {
    "display_name": "Volt Nordic", "logo_url": "https://cdn.example.com/logo.svg", "primary_color": "#0A7D3C",
    "accent_color": "#ffcc00", "languages": ["et", "en", "sv"], "default_language": "et", "currency": "eur",
    "time_zone": "Europe/Tallinn", "terms_url": "https://volt.example/terms",
    "privacy_url": "https://volt.example/privacy", "support_email": "Help@Volt.Example",
    "support_url": "http://localhost:8080/support",
}


async def test_settings_are_stored_normalised_and_terms_are_versioned(world: World) -> None:
    api = world.tenant.api
    before = (await api.get("/api/v1/tenant")).json()
    assert before["terms_version"] == 0 and before["languages"] == ["en"] and before["terms_url"] is None
    changed = await api.patch("/api/v1/tenant", json=SETTINGS)
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["primary_color"] == "#0a7d3c" and body["currency"] == "EUR"
    assert body["support_email"] == "Help@volt.example" and body["languages"] == ["et", "en", "sv"]
    assert body["terms_version"] == 1
    # The same links again change nothing; a new privacy link is a new version.
    again = (await api.patch("/api/v1/tenant", json={"terms_url": SETTINGS["terms_url"]})).json()
    assert again["terms_version"] == 1
    bumped = (await api.patch("/api/v1/tenant", json={"privacy_url": "https://volt.example/privacy-v2"})).json()
    assert bumped["terms_version"] == 2
    # Everyone in the tenant reads them; only tenant admins change them.
    assert (await world.api("x_member").get("/api/v1/tenant")).json()["display_name"] == "Volt Nordic"
    for who in ("support", "x_admin", "x_member", "x_driver"):
        assert (await world.api(who).patch("/api/v1/tenant", json={"display_name": "Mine"})).status_code == 403
    log = items(await api.get("/api/v1/audit-log", params={"action": "tenant.update"}))
    assert len(log) == 2
    assert log[0]["before"] == {"privacy_url": SETTINGS["privacy_url"], "terms_version": 1}
    assert log[0]["after"] == {"privacy_url": "https://volt.example/privacy-v2", "terms_version": 2}
    assert log[1]["before"]["display_name"] is None and log[1]["after"]["time_zone"] == "Europe/Tallinn"


async def test_bad_settings_are_refused_with_the_field_named(world: World) -> None:
    api = world.tenant.api
    cases = [
        ({"primary_color": "green"}, "primary_color"),
        ({"accent_color": "#12345"}, "accent_color"),
        ({"languages": ["en", "fr"]}, "languages"),
        ({"languages": []}, "languages"),
        ({"default_language": "sv"}, "default_language"),  # not among the available ones (only en)
        ({"languages": ["xx"], "default_language": "en"}, "languages"),
        ({"default_language": "xx"}, "default_language"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"time_zone": "Europe/Atlantis"}, "time_zone"),
        ({"terms_url": "http://volt.example/terms"}, "terms_url"),
        ({"privacy_url": "ftp://volt.example/p"}, "privacy_url"),
        ({"logo_url": "not a url"}, "logo_url"),
        ({"support_url": "https://"}, "support_url"),
        ({"support_email": "nobody"}, "support_email"),
        ({"name": None}, "name"),
        ({"currency": None}, "currency"),
    ]
    for body, field in cases:
        response = await api.patch("/api/v1/tenant", json=body)
        assert response.status_code == 422, (body, response.text)
        problem = response.json()
        named = problem.get("field") or next(e["loc"][-1] for e in problem.get("errors", []))
        assert named == field, (body, problem)
    for body in ({"slug": "mine"}, {"terms_version": 7}, {"id": str(world.y)}, {"name": "a\u0000b"}):
        assert (await api.patch("/api/v1/tenant", json=body)).status_code == 422, body
    # Dropping the default language from the available ones is refused; choosing both together works.
    await api.patch("/api/v1/tenant", json={"languages": ["en", "nb"]})
    assert (await api.patch("/api/v1/tenant", json={"languages": ["nb"]})).status_code == 422
    ok = await api.patch("/api/v1/tenant", json={"languages": ["nb"], "default_language": "nb"})
    assert ok.status_code == 200 and ok.json()["default_language"] == "nb"


def test_terms_must_be_set_before_sign_up_and_invitations() -> None:
    tenant = Tenant(name="Volt", slug="volt")
    with pytest.raises(Conflict) as refused:
        require_terms(tenant)
    assert refused.value.details["field"] == "terms_url" and "privacy" in refused.value.message
    tenant.terms_url = "https://volt.example/terms"
    with pytest.raises(Conflict):
        require_terms(tenant)
    tenant.privacy_url = "https://volt.example/privacy"
    require_terms(tenant)
