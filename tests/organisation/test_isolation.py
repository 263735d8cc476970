"""Cross-account and cross-tenant: nobody reads, lists, changes or removes what lies outside their reach."""

from __future__ import annotations

from typing import Any

import httpx

from chargeplane.domain.identity.permissions import Role
from tests.organisation.conftest import World, build_world, ids
from tests.support.chargers import register_charger
from tests.support.people import make_user
from tests.support.tenants import TenantHandle


async def _things_of(world: World, account: str) -> dict[str, str]:
    """One of each kind of object, owned by `account` (made by tenant staff)."""
    api = world.tenant.api
    account_id = str(world.accounts[account])
    site = (await api.post("/api/v1/sites", json={"name": f"{account} site", "account_id": account_id})).json()
    cp = await register_charger(api, account_id=account_id, site_id=site["id"])
    key = (await api.post("/api/v1/api-keys", json={"name": f"{account} key", "role": "account_member",
                                                    "account_id": account_id})).json()
    user = world.people[f"{account}_admin"].user_id
    membership = (await api.get(f"/api/v1/users/{user}/memberships")).json()[0]
    return {"account": account_id, "site": site["id"], "charge_point": cp["id"], "api_key": key["id"],
            "user": str(user), "membership": membership["id"]}


async def _cannot_reach(api: httpx.AsyncClient, things: dict[str, str], *, status: int = 404) -> None:
    reads = [f"/api/v1/accounts/{things['account']}", f"/api/v1/accounts/{things['account']}/tree",
             f"/api/v1/users/{things['user']}", f"/api/v1/users/{things['user']}/memberships",
             f"/api/v1/sites/{things['site']}", f"/api/v1/charge-points/{things['charge_point']}"]
    for path in reads:
        assert (await api.get(path)).status_code == status, path
    lists = {"/api/v1/accounts": "account", "/api/v1/users": "user", "/api/v1/sites": "site",
             "/api/v1/charge-points": "charge_point", "/api/v1/api-keys": "api_key"}
    for path, kind in lists.items():
        response = await api.get(path, params={"limit": 500})
        if response.status_code != 403:
            assert things[kind] not in ids(response), path
    writes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("PATCH", f"/api/v1/accounts/{things['account']}", {"name": "taken"}),
        ("DELETE", f"/api/v1/accounts/{things['account']}", None),
        ("POST", "/api/v1/accounts", {"name": "under", "parent_id": things["account"], "relation": "employee"}),
        ("PATCH", f"/api/v1/users/{things['user']}", {"name": "taken"}),
        ("POST", f"/api/v1/users/{things['user']}/memberships", {"role": "account_member",
                                                                 "account_id": things["account"]}),
        ("DELETE", f"/api/v1/users/{things['user']}/memberships/{things['membership']}", None),
        ("PATCH", f"/api/v1/sites/{things['site']}", {"name": "taken"}),
        ("DELETE", f"/api/v1/sites/{things['site']}", None),
        ("PATCH", f"/api/v1/charge-points/{things['charge_point']}", {"name": "taken"}),
        ("DELETE", f"/api/v1/charge-points/{things['charge_point']}", None),
        ("POST", f"/api/v1/charge-points/{things['charge_point']}/commands/reset", {"type": "Soft"}),
        ("DELETE", f"/api/v1/api-keys/{things['api_key']}", None),
        ("POST", "/api/v1/api-keys", {"name": "k", "role": "account_member", "account_id": things["account"]}),
        ("POST", "/api/v1/sites", {"name": "in", "account_id": things["account"]}),
    ]
    for method, path, body in writes:
        response = await api.request(method, path, json=body)
        # 404 where the object is invisible; 403 where the role forbids the action at all.
        assert response.status_code in (403, 404), (method, path, response.status_code, response.text)


async def _untouched(world: World, things: dict[str, str]) -> None:
    api = world.tenant.api
    assert (await api.get(f"/api/v1/accounts/{things['account']}")).json()["name"] != "taken"
    assert (await api.get(f"/api/v1/sites/{things['site']}")).json()["name"] != "taken"
    assert (await api.get(f"/api/v1/charge-points/{things['charge_point']}")).json()["name"] != "taken"
    keys = (await api.get("/api/v1/api-keys")).json()["items"]
    assert next(k for k in keys if k["id"] == things["api_key"])["revoked_at"] is None


async def test_an_account_admin_reaches_nothing_of_another_account(world: World) -> None:
    y_things = await _things_of(world, "y")
    await world.tenant.api.post("/api/v1/accounts", json={"name": "Y1", "parent_id": str(world.y),
                                                         "relation": "subsidiary"})
    await _cannot_reach(world.api("x_admin"), y_things)
    assert ids(await world.api("x_admin").get("/api/v1/accounts", params={"parent_id": str(world.y)})) == set()
    x_key = await world.key_client(Role.ACCOUNT_ADMIN, world.x)
    await _cannot_reach(x_key, y_things)
    x_things = await _things_of(world, "x")
    await _cannot_reach(world.api("y_admin"), x_things)
    await _untouched(world, y_things)
    await _untouched(world, x_things)


async def test_a_sub_account_admin_cannot_see_its_parent_but_the_parent_sees_it(world: World) -> None:
    x_things = await _things_of(world, "x")
    await _cannot_reach(world.api("x1_admin"), x_things)
    x1_things = await _things_of(world, "x1")
    x_admin = world.api("x_admin")
    for path in (f"/api/v1/accounts/{world.x1}", f"/api/v1/sites/{x1_things['site']}",
                 f"/api/v1/charge-points/{x1_things['charge_point']}", f"/api/v1/users/{x1_things['user']}"):
        assert (await x_admin.get(path)).status_code == 200, path
    tree = (await x_admin.get(f"/api/v1/accounts/{world.x}/tree")).json()
    assert [c["name"] for c in tree["children"]] == ["X1"] and tree["children"][0]["children"][0]["name"] == "X1a"
    assert ids(await world.api("x1_admin").get("/api/v1/accounts")) == {str(world.x1), str(world.x1a)}
    assert x1_things["api_key"] in ids(await x_admin.get("/api/v1/api-keys"))
    assert (await x_admin.patch(f"/api/v1/accounts/{world.x1}", json={"name": "X1 renamed"})).status_code == 200


async def test_another_tenant_reaches_nothing(running_app: Any, world: World, other_tenant: TenantHandle) -> None:
    a_things = await _things_of(world, "x")
    other = await build_world(running_app, other_tenant)
    try:
        b_clients = [other_tenant.api, other.api("tenant_admin"), other.api("support"), other.api("x_admin")]
        for client in b_clients:
            await _cannot_reach(client, a_things)
        for path in ("/api/v1/audit-log", "/api/v1/accounts", "/api/v1/users", "/api/v1/api-keys"):
            response = await other_tenant.api.get(path, params={"limit": 500})
            assert not {str(v) for v in a_things.values()} & {str(i) for i in ids(response)}, path
        audit = (await other_tenant.api.get("/api/v1/audit-log", params={"object_id": a_things["account"]})).json()
        assert audit["items"] == []
        # B's admin cannot hand B's roles out in A's accounts, nor reach A's users by id.
        grant = await other_tenant.api.post(f"/api/v1/users/{other.people['x_member'].user_id}/memberships",
                                            json={"role": "account_admin", "account_id": a_things["account"]})
        assert grant.status_code == 404
        await _untouched(world, a_things)
    finally:
        for person in other.people.values():
            await person.api.aclose()


async def test_the_same_email_at_two_tenants_is_two_users(running_app: Any, tenant: TenantHandle,
                                                          other_tenant: TenantHandle) -> None:
    email = "same.person@example.test"
    a = await make_user(running_app, tenant.id, roles=[(Role.TENANT_ADMIN, None)], email=email)
    b = await make_user(running_app, other_tenant.id, roles=[(Role.TENANT_ADMIN, None)], email=email)
    try:
        assert a.user_id != b.user_id
        assert (await a.api.get(f"/api/v1/users/{a.user_id}")).json()["email"] == email
        assert (await a.api.get(f"/api/v1/users/{b.user_id}")).status_code == 404
        assert (await b.api.get(f"/api/v1/users/{a.user_id}")).status_code == 404
        renamed = await b.api.patch(f"/api/v1/users/{a.user_id}", json={"name": "Hijacked"})
        assert renamed.status_code == 404
        assert (await a.api.get("/api/v1/tenant")).json()["id"] == str(tenant.id)
        assert (await b.api.get("/api/v1/tenant")).json()["id"] == str(other_tenant.id)
    finally:
        await a.api.aclose()
        await b.api.aclose()
