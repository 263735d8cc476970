"""API keys: issued with roles the caller may hand out, shown once, listed without secrets, revoked at once."""

from __future__ import annotations

from chargeplane.domain.identity.permissions import Role
from tests.organisation.conftest import World, ids, items
from tests.support.tenants import api_client


async def test_issue_use_list_and_revoke(world: World) -> None:
    api = world.tenant.api
    created = await api.post("/api/v1/api-keys", json={"name": "Billing export", "role": "customer_support"})
    assert created.status_code == 201, created.text
    key = created.json()
    assert key["secret"].startswith(f"cpk_{key['prefix']}_") and key["role"] == "customer_support"
    assert key["account_id"] is None and key["revoked_at"] is None
    async with api_client(world.running, key["secret"]) as machine:
        assert (await machine.get("/api/v1/accounts")).status_code == 200
        # Support may not touch keys, nor the tenant's settings.
        assert (await machine.get("/api/v1/api-keys")).status_code == 403
        assert (await machine.patch("/api/v1/tenant", json={"name": "Mine"})).status_code == 403
        listed = items(await api.get("/api/v1/api-keys"))
        mine = next(k for k in listed if k["id"] == key["id"])
        assert "secret" not in mine and "key_hash" not in mine and mine["last_used_at"] is not None
        assert set(mine) >= {"prefix", "role", "account_id", "created_at", "last_used_at", "revoked_at"}
        revoked = await api.delete(f"/api/v1/api-keys/{key['id']}")
        assert revoked.status_code == 204
        stopped = await machine.get("/api/v1/accounts")
        assert stopped.status_code == 401, stopped.text
    assert (await api.delete(f"/api/v1/api-keys/{key['id']}")).status_code == 204  # twice: no change
    listed = items(await api.get("/api/v1/api-keys"))
    assert next(k for k in listed if k["id"] == key["id"])["revoked_at"] is not None
    log = items(await api.get("/api/v1/audit-log", params={"object_type": "api_key"}))
    assert [e["action"] for e in log] == ["api_key.revoke", "api_key.create"]
    assert log[1]["after"]["name"] == "Billing export" and "secret" not in str(log)


async def test_roles_and_accounts_of_keys_are_checked(world: World) -> None:
    api = world.tenant.api
    cases = [
        ({"name": "k", "role": "account_admin"}, 422),  # an account role needs an account
        ({"name": "k", "role": "tenant_admin", "account_id": str(world.x)}, 422),
        ({"name": "k", "role": "root"}, 422),
        ({"name": "", "role": "tenant_admin"}, 422),
        ({"name": "k", "role": "account_admin", "account_id": str(world.tenant.id)}, 404),
        ({"name": "k", "role": "account_member", "account_id": str(world.x), "key_hash": "x"}, 422),
    ]
    for body, status in cases:
        response = await api.post("/api/v1/api-keys", json=body)
        assert response.status_code == status, (body, response.text)


async def test_account_admin_keys_stay_in_its_tree(world: World) -> None:
    x_admin = world.api("x_admin")
    made = await x_admin.post("/api/v1/api-keys", json={"name": "X1 robot", "role": "account_admin",
                                                       "account_id": str(world.x1)})
    assert made.status_code == 201, made.text
    escalations = [
        {"name": "k", "role": "tenant_admin"},
        {"name": "k", "role": "customer_support"},
        {"name": "k", "role": "account_admin", "account_id": str(world.y)},
    ]
    for body in escalations:
        assert (await x_admin.post("/api/v1/api-keys", json=body)).status_code == 403, body
    # The X1 key acts for X1 and below: not X, not Y.
    async with api_client(world.running, made.json()["secret"]) as robot:
        assert ids(await robot.get("/api/v1/accounts")) == {str(world.x1), str(world.x1a)}
        assert (await robot.get(f"/api/v1/accounts/{world.x}")).status_code == 404
        assert (await robot.post("/api/v1/api-keys", json={"name": "k", "role": "account_admin",
                                                           "account_id": str(world.x)})).status_code == 403
    # Y's admin neither sees nor revokes X's keys; X's admin sees only its tree's keys.
    y_key = await world.tenant.api.post("/api/v1/api-keys", json={"name": "Y", "role": "account_member",
                                                                  "account_id": str(world.y)})
    assert made.json()["id"] not in ids(await world.api("y_admin").get("/api/v1/api-keys"))
    assert (await world.api("y_admin").delete(f"/api/v1/api-keys/{made.json()['id']}")).status_code == 404
    assert ids(await x_admin.get("/api/v1/api-keys")) == {made.json()["id"]}
    assert y_key.json()["id"] in ids(await world.tenant.api.get("/api/v1/api-keys"))
    # Members cannot hold keys' power.
    assert (await world.api("x_member").post("/api/v1/api-keys", json={"name": "k", "role": "account_member",
                                                                      "account_id": str(world.x)})).status_code == 403
    member_key = await world.key_client(Role.ACCOUNT_MEMBER, world.x)
    assert (await member_key.get("/api/v1/api-keys")).status_code == 403
