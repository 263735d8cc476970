"""Tenant B never sees nor touches tenant A's cards, groups and grants; the same uid is two cards."""

from __future__ import annotations

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import API, World, authorize, card
from tests.support.tenants import TenantHandle


async def test_other_tenant_sees_and_touches_nothing(world: World, other_tenant: TenantHandle) -> None:
    a, b = world.tenant.api, other_tenant.api
    account = await world.account()
    holder = await world.person((Role.DRIVER, account))
    cp = await world.charge_point(account_id=account)
    a_card = await card(a, uid="SHARED-UID", account_id=str(account), label="A's")
    group = (await a.post(f"{API}/customer-groups", json={"name": "A group", "account_id": str(account)})).json()
    member = (await a.post(f"{API}/customer-groups/{group['id']}/members", json={"id_token_id": a_card["id"]})).json()
    grant = (await a.post(f"{API}/access-grants", json={"charge_point_id": cp["id"],
                                                        "user_id": str(holder.user_id)})).json()

    for path in (f"/id-tokens/{a_card['id']}", f"/customer-groups/{group['id']}",
                 f"/customer-groups/{group['id']}/members", f"/access-grants/{grant['id']}"):
        assert (await b.get(API + path)).status_code == 404, path
    for path in ("/id-tokens", "/customer-groups", "/access-grants"):
        assert (await b.get(API + path)).json()["items"] == [], path
    writes = [
        b.patch(f"{API}/id-tokens/{a_card['id']}", json={"status": "blocked"}),
        b.delete(f"{API}/id-tokens/{a_card['id']}"),
        b.patch(f"{API}/customer-groups/{group['id']}", json={"name": "mine"}),
        b.post(f"{API}/customer-groups/{group['id']}/members", json={"user_id": str(holder.user_id)}),
        b.delete(f"{API}/customer-groups/{group['id']}/members/{member['id']}"),
        b.delete(f"{API}/customer-groups/{group['id']}"),
        b.delete(f"{API}/access-grants/{grant['id']}"),
    ]
    for request in writes:
        response = await request
        assert response.status_code == 404, (response.request.method, response.request.url, response.text)
    # Pointing at A's things from B's own requests finds nothing either.
    b_group = (await b.post(f"{API}/customer-groups", json={"name": "B", "account_id": str(account)}))
    assert b_group.status_code == 422
    refused = [
        b.post(f"{API}/id-tokens", json={"uid": "B-1", "user_id": str(holder.user_id)}),
        b.post(f"{API}/id-tokens", json={"uid": "B-2", "charge_point_ids": [cp["id"]]}),
        b.post(f"{API}/access-grants", json={"charge_point_id": cp["id"], "user_id": str(holder.user_id)}),
    ]
    for request in refused:
        response = await request
        assert response.status_code == 422, (response.request.url, response.text)

    # The same uid in B is B's own card; blocking it there changes nothing in A.
    b_card = await card(b, uid="shared-uid", status="blocked")
    assert b_card["id"] != a_card["id"]
    charger = await world.connect(cp)
    assert await authorize(charger, "SHARED-UID") == "Accepted"
    after = (await a.get(f"{API}/id-tokens/{a_card['id']}")).json()
    assert (after["status"], after["label"]) == ("accepted", "A's")
    assert len((await a.get(f"{API}/customer-groups/{group['id']}/members")).json()) == 1
    assert (await a.get(f"{API}/access-grants/{grant['id']}")).status_code == 200
