"""Customer groups in the operator portal: list, create, edit, delete, members (a user by email, a
card by uid), bad forms, tenants and roles."""

from __future__ import annotations

import re
from typing import Any

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import World, card
from tests.portal.org_support import API, MakePerson, api_json, org_world, people
from tests.portal.support import PortalPerson
from tests.portal.test_cards_pages import field_error
from tests.support.tenants import TenantHandle

__all__ = ["org_world", "people"]

GROUP_URL = re.compile(r"^/portal/groups/([0-9a-f-]{36})$")


async def make_group(admin: PortalPerson, **form: str) -> str:
    created = await admin.portal.post("/portal/groups/new", form)
    assert created.status_code == 303, created.text
    found = GROUP_URL.match(created.headers["location"])
    assert found is not None
    return found.group(1)


async def members(tenant: TenantHandle, group_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await api_json(tenant.api, f"/customer-groups/{group_id}/members")
    return found


async def test_create_edit_and_delete_a_group(world: World, tenant: TenantHandle, admin: PortalPerson) -> None:
    account = await world.account("Co-op")
    assert (await admin.portal.get("/portal/groups/new")).status_code == 200
    group_id = await make_group(admin, name="Residents", account_id=str(account), discount_percent="12.5",
                                description="Flat owners")
    group = await api_json(tenant.api, f"/customer-groups/{group_id}")
    assert (group["name"], group["account_id"], group["discount_percent"], group["description"]) == (
        "Residents", str(account), "12.50", "Flat owners")
    listing = await admin.portal.get("/portal/groups")
    row = listing.text.split(f'href="/portal/groups/{group_id}"', 1)[1].split("</tr>", 1)[0]
    assert "Co-op" in row and "12.50 %" in row and "Flat owners" in row

    edited = await admin.portal.post(f"/portal/groups/{group_id}/edit", {
        "name": "Owners", "discount_percent": "7,5", "description": ""})
    assert edited.status_code == 303
    group = await api_json(tenant.api, f"/customer-groups/{group_id}")
    assert (group["name"], group["discount_percent"], group["description"]) == ("Owners", "7.50", None)

    page = await admin.portal.get(f"/portal/groups/{group_id}")
    assert page.status_code == 200 and 'value="7.50"' in page.text
    deleted = await admin.portal.post(f"/portal/groups/{group_id}/delete")
    assert deleted.headers["location"] == "/portal/groups?done=deleted"
    assert (await tenant.api.get(f"{API}/customer-groups/{group_id}")).status_code == 404


async def test_a_bad_group_form_says_what_is_wrong(world: World, tenant: TenantHandle, admin: PortalPerson) -> None:
    account = await world.account("Co-op")
    await make_group(admin, name="Taken", account_id=str(account))
    cases = [
        ({"name": "", "account_id": str(account)}, 422, "name", "at least 1 character"),
        ({"name": "Big", "account_id": str(account), "discount_percent": "150"}, 422, "discount_percent",
         "less than or equal to 100"),
        ({"name": "Nobody's"}, 422, "account_id", "account_id is required"),
        ({"name": "Taken", "account_id": str(account)}, 409, "name", "has a customer group named"),
    ]
    for form, status, field, words in cases:
        answer = await admin.portal.post("/portal/groups/new", form)
        assert answer.status_code == status, (form, answer.status_code)
        message = field_error(answer.text, field)
        assert message is not None and words in message, (field, message)
    assert [g["name"] for g in (await api_json(tenant.api, "/customer-groups"))["items"]] == ["Taken"]


async def test_members_by_email_or_card_uid(world: World, tenant: TenantHandle, admin: PortalPerson) -> None:
    account = await world.account("Co-op")
    resident = await world.person((Role.DRIVER, account))
    stranger = await world.person((Role.DRIVER, await world.account("Elsewhere")))
    card_id = (await card(tenant.api, uid="04DD04", label="Garage", account_id=str(account)))["id"]
    group_id = await make_group(admin, name="Residents", account_id=str(account))
    path = f"/portal/groups/{group_id}/members"

    assert (await admin.portal.post(path, {"user_email": resident.email})).status_code == 303
    assert (await admin.portal.post(path, {"card_uid": "04dd04"})).status_code == 303
    found = await members(tenant, group_id)
    assert {(m["user_id"], m["id_token_id"]) for m in found} == {(str(resident.user_id), None), (None, card_id)}
    page = await admin.portal.get(f"/portal/groups/{group_id}")
    assert resident.email in page.text and "04DD04 · Garage" in page.text

    cases = [
        ({"user_email": "nobody@example.test"}, "user_email", "no user of yours"),
        ({"user_email": stranger.email}, "user_email", "no user of yours"),
        ({"card_uid": "NO-SUCH"}, "card_uid", "No card of yours"),
        ({"user_email": resident.email, "card_uid": "04DD04"}, "user_email", "one of the two"),
        ({}, "user_email", "one of the two"),
    ]
    for form, field, words in cases:
        answer = await admin.portal.post(path, form)
        assert answer.status_code == 422, (form, answer.status_code)
        message = field_error(answer.text, field)
        assert message is not None and words in message, (form, message)
    again = await admin.portal.post(path, {"user_email": resident.email})
    assert again.status_code == 409 and "already in the group" in (field_error(again.text, "user_email") or "")

    member_id = next(m["id"] for m in found if m["user_id"])
    assert (await admin.portal.post(f"{path}/{member_id}/remove")).status_code == 303
    assert [m["id_token_id"] for m in await members(tenant, group_id)] == [card_id]


async def test_another_tenants_group_is_not_found(world: World, other_tenant: TenantHandle,
                                                  admin: PortalPerson) -> None:
    theirs_account = (await other_tenant.api.post(f"{API}/accounts", json={"name": "Theirs", "kind": "standard"}))
    assert theirs_account.status_code == 201, theirs_account.text
    theirs = (await other_tenant.api.post(f"{API}/customer-groups", json={
        "name": "Theirs", "account_id": theirs_account.json()["id"]})).json()["id"]
    portal = admin.portal
    assert (await portal.get(f"/portal/groups/{theirs}")).status_code == 404
    assert (await portal.post(f"/portal/groups/{theirs}/edit", {"name": "Mine"})).status_code == 404
    assert (await portal.post(f"/portal/groups/{theirs}/members", {"card_uid": "X"})).status_code == 404
    assert (await portal.post(f"/portal/groups/{theirs}/delete")).status_code == 404
    assert (await api_json(other_tenant.api, f"/customer-groups/{theirs}"))["name"] == "Theirs"


async def test_roles_without_the_permission_are_refused(world: World, tenant: TenantHandle,
                                                       people: MakePerson) -> None:
    account = await world.account("Co-op")
    group = await tenant.api.post(f"{API}/customer-groups", json={"name": "Residents", "account_id": str(account)})
    group_id = group.json()["id"]
    member = await people(Role.ACCOUNT_MEMBER, account)
    assert "Residents" in (await member.portal.get("/portal/groups")).text
    assert (await member.portal.get("/portal/groups/new")).status_code == 403
    assert (await member.portal.post("/portal/groups/new", {"name": "Mine", "account_id": str(account)})
            ).status_code == 403
    assert (await member.portal.post(f"/portal/groups/{group_id}/members", {"user_email": member.email})
            ).status_code == 403
    support = await people(Role.CUSTOMER_SUPPORT)
    assert (await support.portal.post(f"/portal/groups/{group_id}/delete")).status_code == 403
    assert (await support.portal.post(f"/portal/groups/{group_id}/edit", {"name": "X"})).status_code == 403
    assert [g["name"] for g in (await api_json(tenant.api, "/customer-groups"))["items"]] == ["Residents"]
    assert await members(tenant, group_id) == []
