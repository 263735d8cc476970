"""Access grants: charge points and sites shared with users and customer groups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import API, World


async def test_share_list_and_delete(world: World) -> None:
    owner_account = await world.account("Home")
    owner = await world.person((Role.ACCOUNT_ADMIN, owner_account))
    family = await world.person()  # signed up, no account of theirs
    garage = await world.site("Garage", owner_account)
    cp = await world.charge_point(account_id=owner_account, site_id=garage)
    group = (await owner.api.post(f"{API}/customer-groups", json={"name": "Family"})).json()
    until = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)

    by_email = await owner.api.post(f"{API}/access-grants", json={
        "charge_point_id": cp["id"], "user_email": family.email.upper(), "valid_until": until.isoformat()})
    assert by_email.status_code == 201, by_email.text
    grant = by_email.json()
    assert (grant["user_id"], grant["account_id"], grant["charge_point_id"], grant["site_id"]) == (
        str(family.user_id), str(owner_account), cp["id"], None)
    assert grant["valid_until"] == until.isoformat().replace("+00:00", "Z")
    to_group = await owner.api.post(f"{API}/access-grants", json={"site_id": str(garage),
                                                                  "customer_group_id": group["id"]})
    assert to_group.status_code == 201 and to_group.json()["account_id"] == str(owner_account)
    twice = await owner.api.post(f"{API}/access-grants", json={"charge_point_id": cp["id"],
                                                               "user_id": str(family.user_id)})
    assert twice.status_code == 409

    bad = [
        {"charge_point_id": cp["id"], "site_id": str(garage), "user_id": str(family.user_id)},
        {"charge_point_id": cp["id"]},
        {"charge_point_id": cp["id"], "user_id": str(family.user_id), "customer_group_id": group["id"]},
        {"charge_point_id": cp["id"], "user_email": "nobody@example.test"},
        {"charge_point_id": cp["id"], "user_email": "not an email"},
        {"charge_point_id": cp["id"], "user_id": str(family.user_id), "valid_until": "2001-01-01T00:00:00Z"},
        {"charge_point_id": cp["id"], "user_id": str(family.user_id), "valid_until": "2031-01-01T00:00:00"},
        {"charge_point_id": cp["id"], "user_id": str(family.user_id), "account_id": str(owner_account)},
    ]
    for body in bad:
        response = await owner.api.post(f"{API}/access-grants", json=body)
        assert response.status_code == 422, (body, response.text)

    listed = (await owner.api.get(f"{API}/access-grants", params={"charge_point_id": cp["id"]})).json()["items"]
    assert [g["id"] for g in listed] == [grant["id"]]
    assert len((await owner.api.get(f"{API}/access-grants")).json()["items"]) == 2
    assert (await owner.api.get(f"{API}/access-grants/{grant['id']}")).status_code == 200
    assert (await owner.api.delete(f"{API}/access-grants/{grant['id']}")).status_code == 204
    assert (await owner.api.get(f"{API}/access-grants/{grant['id']}")).status_code == 404
    assert [e.action for e in await world.audit(grant["id"])] == ["access_grant.create", "access_grant.delete"]

    # Deleting the group takes what was shared with it along.
    await owner.api.delete(f"{API}/customer-groups/{group['id']}")
    assert (await owner.api.get(f"{API}/access-grants")).json()["items"] == []


async def test_only_what_the_caller_manages_can_be_shared(world: World) -> None:
    x = await world.account("X")
    y = await world.account("Y")
    x_admin = await world.person((Role.ACCOUNT_ADMIN, x))
    friend = await world.person()
    y_cp = await world.charge_point(account_id=y)
    y_site = await world.site("Y site", y)
    tenant_cp = await world.charge_point()
    y_group = (await world.tenant.api.post(f"{API}/customer-groups", json={"name": "Y", "account_id": str(y)})).json()
    x_cp = await world.charge_point(account_id=x)
    for body, field in (({"charge_point_id": y_cp["id"]}, "charge_point_id"),
                        ({"charge_point_id": tenant_cp["id"]}, "charge_point_id"),
                        ({"site_id": str(y_site)}, "site_id")):
        response = await x_admin.api.post(f"{API}/access-grants", json={**body, "user_id": str(friend.user_id)})
        assert response.status_code == 422 and response.json()["field"] == field, response.text
    with_y_group = await x_admin.api.post(f"{API}/access-grants", json={"charge_point_id": x_cp["id"],
                                                                        "customer_group_id": y_group["id"]})
    assert with_y_group.status_code == 422 and with_y_group.json()["field"] == "customer_group_id"

    y_grant = (await world.tenant.api.post(f"{API}/access-grants", json={
        "charge_point_id": y_cp["id"], "user_id": str(friend.user_id)})).json()
    assert y_grant["account_id"] == str(y)
    assert (await x_admin.api.get(f"{API}/access-grants/{y_grant['id']}")).status_code == 404
    assert (await x_admin.api.delete(f"{API}/access-grants/{y_grant['id']}")).status_code == 404
    assert (await x_admin.api.get(f"{API}/access-grants")).json()["items"] == []
    assert (await world.tenant.api.get(f"{API}/access-grants/{y_grant['id']}")).status_code == 200

    member = await world.person((Role.ACCOUNT_MEMBER, y))
    assert (await member.api.get(f"{API}/access-grants/{y_grant['id']}")).status_code == 200
    assert (await member.api.delete(f"{API}/access-grants/{y_grant['id']}")).status_code == 403
