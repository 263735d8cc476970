"""Charge points and sites belong to accounts and say who may use them; owners stay in the caller's reach."""

from __future__ import annotations

from tests.organisation.conftest import World, ids, items
from tests.support.chargers import register_charger


async def test_charge_points_carry_owner_and_visibility(world: World) -> None:
    api = world.tenant.api
    cp = await register_charger(api, account_id=str(world.x1), community=True)
    assert (cp["account_id"], cp["community"], cp["public"]) == (str(world.x1), True, False)
    plain = await register_charger(api)
    assert (plain["account_id"], plain["community"], plain["public"]) == (None, False, False)
    changed = await api.patch(f"/api/v1/charge-points/{cp['id']}", json={"public": True, "community": False})
    assert changed.status_code == 200 and (changed.json()["public"], changed.json()["community"]) == (True, False)
    assert (await api.get(f"/api/v1/charge-points/{cp['id']}")).json()["public"] is True
    for body in ({"public": None}, {"public": "maybe"}, {"tenant_id": str(world.tenant.id)}, {"owner": "me"}):
        assert (await api.patch(f"/api/v1/charge-points/{cp['id']}", json=body)).status_code == 422, body
    missing = await api.patch(f"/api/v1/charge-points/{cp['id']}", json={"account_id": str(world.tenant.id)})
    assert missing.status_code == 404 and missing.json()["field"] == "account_id"
    # Tenant staff may give it to any account, or take it back to the tenant.
    for owner in (str(world.y), None):
        moved = await api.patch(f"/api/v1/charge-points/{cp['id']}", json={"account_id": owner})
        assert moved.status_code == 200 and moved.json()["account_id"] == owner
    log = items(await api.get("/api/v1/audit-log", params={"object_id": cp["id"], "limit": 2}))
    assert log[0]["before"] == {"account_id": str(world.y)} and log[0]["after"] == {"account_id": None}


async def test_account_admins_move_chargers_only_within_their_tree(world: World) -> None:
    api = world.tenant.api
    cp = await register_charger(api, account_id=str(world.x1))
    x_admin = world.api("x_admin")
    # An owner registers its own chargers (an account of its tree), never another's nor the tenant's.
    own = await x_admin.post("/api/v1/charge-points", json={"identity": "X-OWN-1", "account_id": str(world.x1)})
    assert own.status_code == 201 and own.json()["account_id"] == str(world.x1)
    assert (await x_admin.post("/api/v1/charge-points", json={"identity": "X-OWN-2",
                                                              "account_id": str(world.y)})).status_code == 404
    assert (await x_admin.post("/api/v1/charge-points", json={"identity": "X-OWN-3"})).status_code == 422
    assert (await world.api("y_admin").delete(f"/api/v1/charge-points/{own.json()['id']}")).status_code == 404
    moved = await x_admin.patch(f"/api/v1/charge-points/{cp['id']}", json={"account_id": str(world.x1a),
                                                                          "public": True})
    assert moved.status_code == 200 and moved.json()["account_id"] == str(world.x1a)
    to_y = await x_admin.patch(f"/api/v1/charge-points/{cp['id']}", json={"account_id": str(world.y)})
    assert to_y.status_code == 404 and to_y.json()["field"] == "account_id"
    to_tenant = await x_admin.patch(f"/api/v1/charge-points/{cp['id']}", json={"account_id": None})
    assert to_tenant.status_code == 422 and to_tenant.json()["field"] == "account_id"
    assert (await api.get(f"/api/v1/charge-points/{cp['id']}")).json()["account_id"] == str(world.x1a)
    # X1's admin still sees it (X1a is under X1); Y's admin does not.
    assert (await world.api("x1_admin").get(f"/api/v1/charge-points/{cp['id']}")).status_code == 200
    assert (await world.api("y_admin").get(f"/api/v1/charge-points/{cp['id']}")).status_code == 404


async def test_sites_have_owners_independent_of_their_chargers(world: World) -> None:
    x_admin = world.api("x_admin")
    refused = await x_admin.post("/api/v1/sites", json={"name": "No owner"})
    assert refused.status_code == 422 and refused.json()["field"] == "account_id"
    assert (await x_admin.post("/api/v1/sites", json={"name": "Y's", "account_id": str(world.y)})).status_code == 404
    site = await x_admin.post("/api/v1/sites", json={"name": "Shared car park", "account_id": str(world.x),
                                                    "time_zone": "Europe/Tallinn"})
    assert site.status_code == 201, site.text
    site_id = site.json()["id"]
    # A resident's charger (Y) may stand on X's site; the site's admin need not see it.
    resident = await register_charger(world.tenant.api, account_id=str(world.y), site_id=site_id)
    assert resident["site_id"] == site_id
    assert resident["id"] not in ids(await x_admin.get("/api/v1/charge-points"))
    assert (await x_admin.get(f"/api/v1/sites/{site_id}")).json()["account_id"] == str(world.x)
    bad = [({"time_zone": "Moon/Base"}, 422), ({"name": ""}, 422), ({"name": None}, 422),
           ({"account_id": str(world.y)}, 404), ({"tenant_id": str(world.tenant.id)}, 422)]
    for body, status in bad:
        assert (await x_admin.patch(f"/api/v1/sites/{site_id}", json=body)).status_code == status, body
    renamed = await x_admin.patch(f"/api/v1/sites/{site_id}", json={"name": "Car park A",
                                                                   "account_id": str(world.x1)})
    assert renamed.status_code == 200 and renamed.json()["account_id"] == str(world.x1)
    assert (await world.api("y_admin").patch(f"/api/v1/sites/{site_id}", json={"name": "Ours"})).status_code == 404
    assert (await world.api("y_admin").delete(f"/api/v1/sites/{site_id}")).status_code == 404
    assert (await world.api("x_member").delete(f"/api/v1/sites/{site_id}")).status_code == 403
    assert (await x_admin.delete(f"/api/v1/sites/{site_id}")).status_code == 204
    # The resident's charger stays, without a site.
    assert (await world.tenant.api.get(f"/api/v1/charge-points/{resident['id']}")).json()["site_id"] is None
    log = items(await world.tenant.api.get("/api/v1/audit-log", params={"object_id": site_id}))
    assert [e["action"] for e in log] == ["site.delete", "site.update", "site.create"]
    assert log[1]["before"] == {"name": "Shared car park", "account_id": str(world.x)}


async def test_access_grants_follow_their_charger_to_a_new_owner(world: World) -> None:
    api = world.tenant.api
    cp = await register_charger(api, account_id=str(world.x1))
    friend = world.people["x_member"].user_id
    grant = await world.api("x1_admin").post("/api/v1/access-grants", json={"charge_point_id": cp["id"],
                                                                           "user_id": str(friend)})
    assert grant.status_code == 201 and grant.json()["account_id"] == str(world.x1), grant.text
    await world.api("x_admin").patch(f"/api/v1/charge-points/{cp['id']}", json={"account_id": str(world.x1a)})
    moved = (await api.get(f"/api/v1/access-grants/{grant.json()['id']}")).json()
    assert moved["account_id"] == str(world.x1a)
    # The new owner manages the grant; whoever owned the charger before no longer reaches it from Y.
    await api.patch(f"/api/v1/charge-points/{cp['id']}", json={"account_id": str(world.y)})
    assert (await api.get(f"/api/v1/access-grants/{grant.json()['id']}")).json()["account_id"] == str(world.y)
    assert (await world.api("x_admin").get(f"/api/v1/access-grants/{grant.json()['id']}")).status_code == 404
