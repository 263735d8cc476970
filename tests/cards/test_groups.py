"""Customer groups: named sets of an account's users and cards."""

from __future__ import annotations

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import API, World, card


async def test_group_lifecycle_and_members(world: World) -> None:
    account = await world.account("Coop")
    sub = await world.account("Coop flat 3", parent_id=account)
    outsider_account = await world.account("Elsewhere")
    admin = await world.person((Role.ACCOUNT_ADMIN, account))
    resident = await world.person((Role.DRIVER, sub))
    outsider = await world.person((Role.DRIVER, outsider_account))
    coop_card = await card(admin.api, uid="COOP-1", account_id=str(sub))
    foreign_card = await card(world.tenant.api, uid="ELSE-1", account_id=str(outsider_account))

    created = await admin.api.post(f"{API}/customer-groups", json={"name": "Residents", "description": "flats"})
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["account_id"] == str(account) and created.headers["location"].endswith(group["id"])
    again = await admin.api.post(f"{API}/customer-groups", json={"name": "Residents"})
    assert again.status_code == 409 and again.json()["field"] == "name"
    # The same name in another account is another group.
    other = await world.tenant.api.post(f"{API}/customer-groups",
                                        json={"name": "Residents", "account_id": str(outsider_account)})
    assert other.status_code == 201
    # The tenant names the account its group belongs to.
    assert (await world.tenant.api.post(f"{API}/customer-groups", json={"name": "Nobody's"})).status_code == 422

    members = f"{API}/customer-groups/{group['id']}/members"
    by_user = await admin.api.post(members, json={"user_id": str(resident.user_id)})
    by_card = await admin.api.post(members, json={"id_token_id": coop_card["id"]})
    assert by_user.status_code == 201 and by_card.status_code == 201, (by_user.text, by_card.text)
    assert (await admin.api.post(members, json={"user_id": str(resident.user_id)})).status_code == 409
    for body, field in (({"user_id": str(outsider.user_id)}, "user_id"),
                        ({"id_token_id": foreign_card["id"]}, "id_token_id")):
        refused = await admin.api.post(members, json=body)
        assert refused.status_code == 422 and refused.json()["field"] == field, refused.text
    assert (await admin.api.post(members, json={})).status_code == 422
    both = {"user_id": str(resident.user_id), "id_token_id": coop_card["id"]}
    assert (await admin.api.post(members, json=both)).status_code == 422
    listed = (await admin.api.get(members)).json()
    assert [(m["user_id"], m["id_token_id"]) for m in listed] == [(str(resident.user_id), None),
                                                                   (None, coop_card["id"])]

    removed = await admin.api.delete(f"{members}/{by_user.json()['id']}")
    assert removed.status_code == 204
    assert len((await admin.api.get(members)).json()) == 1
    assert (await admin.api.delete(f"{members}/{by_user.json()['id']}")).status_code == 404

    renamed = await admin.api.patch(f"{API}/customer-groups/{group['id']}", json={"name": "Neighbours"})
    assert renamed.json()["name"] == "Neighbours"
    await admin.api.post(f"{API}/customer-groups", json={"name": "Guests"})
    clash = await admin.api.patch(f"{API}/customer-groups/{group['id']}", json={"name": "Guests"})
    assert clash.status_code == 409
    assert (await admin.api.patch(f"{API}/customer-groups/{group['id']}", json={"account_id": None})).status_code \
        == 422
    names = {g["name"] for g in (await admin.api.get(f"{API}/customer-groups")).json()["items"]}
    assert names == {"Neighbours", "Guests"}

    assert (await admin.api.delete(f"{API}/customer-groups/{group['id']}")).status_code == 204
    assert (await admin.api.get(f"{API}/customer-groups/{group['id']}")).status_code == 404
    actions = [e.action for e in await world.audit(group["id"])]
    assert actions == ["customer_group.create", "customer_group.member_add", "customer_group.member_add",
                       "customer_group.member_remove", "customer_group.update", "customer_group.delete"]


async def test_who_may_manage_groups(world: World) -> None:
    account = await world.account()
    group = (await world.tenant.api.post(f"{API}/customer-groups",
                                         json={"name": "G", "account_id": str(account)})).json()
    member = await world.person((Role.ACCOUNT_MEMBER, account))
    support = await world.person((Role.CUSTOMER_SUPPORT, None))
    driver = await world.person((Role.DRIVER, account))
    assert (await member.api.get(f"{API}/customer-groups/{group['id']}")).status_code == 200
    assert (await member.api.post(f"{API}/customer-groups", json={"name": "Mine"})).status_code == 403
    assert (await support.api.get(f"{API}/customer-groups/{group['id']}/members")).status_code == 200
    assert (await support.api.delete(f"{API}/customer-groups/{group['id']}")).status_code == 403
    assert (await driver.api.get(f"{API}/customer-groups")).status_code == 403


async def test_account_x_cannot_touch_account_y_groups(world: World) -> None:
    x = await world.account("X")
    y = await world.account("Y")
    x_admin = await world.person((Role.ACCOUNT_ADMIN, x))
    x_driver = await world.person((Role.DRIVER, x))
    y_group = (await world.tenant.api.post(f"{API}/customer-groups",
                                           json={"name": "Y group", "account_id": str(y)})).json()
    y_driver = await world.person((Role.DRIVER, y))
    y_member = (await world.tenant.api.post(f"{API}/customer-groups/{y_group['id']}/members",
                                            json={"user_id": str(y_driver.user_id)})).json()
    path = f"{API}/customer-groups/{y_group['id']}"
    requests = [
        x_admin.api.get(path),
        x_admin.api.get(f"{path}/members"),
        x_admin.api.patch(path, json={"name": "taken over"}),
        x_admin.api.post(f"{path}/members", json={"user_id": str(x_driver.user_id)}),
        x_admin.api.delete(f"{path}/members/{y_member['id']}"),
        x_admin.api.delete(path),
    ]
    for request in requests:
        response = await request
        assert response.status_code == 404, (response.request.method, response.request.url)
    in_y = await x_admin.api.post(f"{API}/customer-groups", json={"name": "In Y", "account_id": str(y)})
    assert in_y.status_code == 422 and in_y.json()["field"] == "account_id"
    assert (await x_admin.api.get(f"{API}/customer-groups")).json()["items"] == []
    assert (await world.tenant.api.get(path)).json()["name"] == "Y group"
    assert len((await world.tenant.api.get(f"{path}/members")).json()) == 1


async def test_a_group_carries_a_discount(world: World) -> None:
    account = await world.account("Coop")
    admin = await world.person((Role.ACCOUNT_ADMIN, account))
    created = await admin.api.post(f"{API}/customer-groups", json={"name": "Members", "discount_percent": "12.5"})
    assert created.status_code == 201, created.text
    assert created.json()["discount_percent"] == "12.50"
    group_id = created.json()["id"]
    for bad in ("-1", "100.01", "3.333"):
        refused = await admin.api.patch(f"{API}/customer-groups/{group_id}", json={"discount_percent": bad})
        assert refused.status_code == 422, (bad, refused.text)
    changed = await admin.api.patch(f"{API}/customer-groups/{group_id}", json={"discount_percent": "20"})
    assert changed.status_code == 200 and changed.json()["discount_percent"] == "20.00"
    plain = await admin.api.post(f"{API}/customer-groups", json={"name": "Visitors"})
    assert plain.json()["discount_percent"] == "0.00"
