"""Sharing in the operator portal: a site shared from its page, a charge point shared with a group
from the sharing page, the list, revoking, bad forms, tenants and roles."""

from __future__ import annotations

from typing import Any

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import World
from tests.portal.org_support import API, MakePerson, api_json, org_world, people
from tests.portal.support import PortalPerson
from tests.portal.test_cards_pages import field_error
from tests.support.people import make_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

__all__ = ["org_world", "people"]


async def grants_of(tenant: TenantHandle, **params: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await api_json(tenant.api, "/access-grants", **params))["items"]
    return found


async def test_share_a_site_and_a_charge_point_then_revoke(world: World, tenant: TenantHandle,
                                                           admin: PortalPerson) -> None:
    account = await world.account("Co-op")
    site = await world.site("Courtyard", account_id=account)
    cp = await world.charge_point(account_id=account, name="Garage charger")
    neighbour = await world.person((Role.DRIVER, None))
    group = (await tenant.api.post(f"{API}/customer-groups", json={"name": "Residents",
                                                                   "account_id": str(account)})).json()
    portal = admin.portal

    site_page = await portal.get(f"/portal/sites/{site}")
    assert "Share this site" in site_page.text and 'name="target" value="site:' in site_page.text
    shared = await portal.post("/portal/sharing", {"target": f"site:{site}", "user_email": neighbour.email,
                                                   "valid_until": "2031-01-31", "next": f"/portal/sites/{site}"})
    assert (shared.status_code, shared.headers["location"]) == (303, f"/portal/sites/{site}#sharing-title")
    [site_grant] = await grants_of(tenant, site_id=str(site))
    assert (site_grant["user_id"], site_grant["account_id"], site_grant["valid_until"]) == (
        str(neighbour.user_id), str(account), "2031-02-01T00:00:00Z")
    assert neighbour.email in (await portal.get(f"/portal/sites/{site}")).text

    sharing = await portal.get("/portal/sharing")
    assert sharing.status_code == 200 and "Garage charger" in sharing.text and "Residents" in sharing.text
    with_group = await portal.post("/portal/sharing", {"target": f"charge_point:{cp['id']}",
                                                       "customer_group_id": group["id"]})
    assert with_group.headers["location"] == "/portal/sharing?done=shared"
    [cp_grant] = await grants_of(tenant, charge_point_id=cp["id"])
    assert cp_grant["customer_group_id"] == group["id"] and cp_grant["valid_until"] is None
    listing = (await portal.get("/portal/sharing?done=shared")).text
    assert "Shared." in listing
    assert f'href="/portal/charge-points/{cp["id"]}">{cp["identity"]} · Garage charger</a>' in listing
    assert f'href="/portal/groups/{group["id"]}">Residents</a>' in listing
    assert f'href="/portal/sites/{site}">Courtyard</a>' in listing and neighbour.email in listing
    group_page = await portal.get(f"/portal/groups/{group['id']}")
    assert "Garage charger" in group_page.text

    revoked = await portal.post(f"/portal/sharing/{cp_grant['id']}/revoke", {"next": "/portal/sharing"})
    assert revoked.headers["location"] == "/portal/sharing?done=revoked"
    back = await portal.post(f"/portal/sharing/{site_grant['id']}/revoke", {"next": f"/portal/sites/{site}"})
    assert back.headers["location"] == f"/portal/sites/{site}"
    assert await grants_of(tenant) == []


async def test_a_bad_share_form_says_what_is_wrong(world: World, other_tenant: TenantHandle, tenant: TenantHandle,
                                                  admin: PortalPerson) -> None:
    site = await world.site("Courtyard")
    neighbour = await world.person((Role.DRIVER, None))
    theirs = (await other_tenant.api.post(f"{API}/sites", json={"name": "Theirs"})).json()["id"]
    group = (await tenant.api.post(f"{API}/customer-groups", json={
        "name": "Residents", "account_id": str(await world.account())})).json()
    cases = [
        ({"user_email": neighbour.email}, "target", "Choose a site or a charge point"),
        ({"target": f"site:{theirs}", "user_email": neighbour.email}, "target", "nothing of yours"),
        ({"target": f"site:{site}"}, "user_email", "one of the two"),
        ({"target": f"site:{site}", "user_email": neighbour.email, "customer_group_id": group["id"]}, "user_email",
         "one of the two"),
        ({"target": f"site:{site}", "user_email": "nobody@example.test"}, "user_email", "sign up first"),
        ({"target": f"site:{site}", "user_email": neighbour.email, "valid_until": "2001-01-01"}, "valid_until",
         "in the future"),
        ({"target": f"site:{site}", "user_email": neighbour.email, "valid_until": "soon"}, "valid_until",
         "Enter a date"),
    ]
    for form, field, words in cases:
        answer = await admin.portal.post("/portal/sharing", form)
        assert answer.status_code == 422, (form, answer.status_code)
        message = field_error(answer.text, field)
        assert message is not None and words in message, (form, message)
    assert await grants_of(tenant) == []
    first = await admin.portal.post("/portal/sharing", {"target": f"site:{site}", "user_email": neighbour.email})
    assert first.status_code == 303
    twice = await admin.portal.post("/portal/sharing", {"target": f"site:{site}", "user_email": neighbour.email})
    assert twice.status_code == 409 and "already shared" in twice.text
    assert len(await grants_of(tenant)) == 1


async def test_another_tenants_grant_is_not_found(running_app: RunningApp, other_tenant: TenantHandle,
                                                  admin: PortalPerson) -> None:
    their_site = (await other_tenant.api.post(f"{API}/sites", json={"name": "Theirs"})).json()["id"]
    their_driver = await make_user(running_app, other_tenant.id, roles=[(Role.DRIVER, None)])
    await their_driver.api.aclose()
    grant = await other_tenant.api.post(f"{API}/access-grants", json={"site_id": their_site,
                                                                      "user_id": str(their_driver.user_id)})
    assert grant.status_code == 201, grant.text
    assert (await admin.portal.post(f"/portal/sharing/{grant.json()['id']}/revoke")).status_code == 404
    assert "Theirs" not in (await admin.portal.get("/portal/sharing")).text
    assert len((await other_tenant.api.get(f"{API}/access-grants")).json()["items"]) == 1


async def test_roles_without_the_permission_are_refused(world: World, tenant: TenantHandle,
                                                       people: MakePerson) -> None:
    account = await world.account()
    site = await world.site("Courtyard", account_id=account)
    neighbour = await world.person((Role.DRIVER, None))
    grant = (await tenant.api.post(f"{API}/access-grants", json={"site_id": str(site),
                                                                 "user_id": str(neighbour.user_id)})).json()
    member = await people(Role.ACCOUNT_MEMBER, account)
    assert "Courtyard" in (await member.portal.get("/portal/sharing")).text
    refused = await member.portal.post("/portal/sharing", {"target": f"site:{site}", "user_email": member.email})
    assert refused.status_code == 403
    assert (await member.portal.post(f"/portal/sharing/{grant['id']}/revoke")).status_code == 403
    assert [g["id"] for g in await grants_of(tenant)] == [grant["id"]]
