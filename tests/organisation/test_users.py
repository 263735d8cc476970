"""Users and memberships: who sees whom, what a PATCH may change, who may grant which role."""

from __future__ import annotations

from chargeplane.domain.identity.permissions import Role
from tests.organisation.conftest import World, ids, items
from tests.support.tenants import api_client


async def test_tenant_staff_see_every_user_account_admins_their_accounts(world: World) -> None:
    everyone = {str(p.user_id) for p in world.people.values()}
    assert everyone <= ids(await world.tenant.api.get("/api/v1/users", params={"limit": 500}))
    assert everyone <= ids(await world.api("support").get("/api/v1/users", params={"limit": 500}))
    people = world.people
    x_side = {str(people[n].user_id) for n in ("x_admin", "x_member", "x1_admin", "x_driver")}
    assert ids(await world.api("x_admin").get("/api/v1/users")) == x_side
    assert ids(await world.api("x1_admin").get("/api/v1/users")) == {str(people["x1_admin"].user_id)}
    assert ids(await world.api("y_admin").get("/api/v1/users")) == {str(people["y_admin"].user_id)}
    # The filter by account, and the memberships shown are those the caller may see.
    in_x1 = ids(await world.tenant.api.get("/api/v1/users", params={"account_id": str(world.x1)}))
    assert in_x1 == {str(people["x1_admin"].user_id)}
    both = await world.person([(Role.ACCOUNT_MEMBER, world.x1), (Role.ACCOUNT_MEMBER, world.y)])
    seen_by_x = (await world.api("x_admin").get(f"/api/v1/users/{both.user_id}")).json()
    assert [m["account_id"] for m in seen_by_x["memberships"]] == [str(world.x1)]
    seen_by_staff = (await world.tenant.api.get(f"/api/v1/users/{both.user_id}")).json()
    assert {m["account_id"] for m in seen_by_staff["memberships"]} == {str(world.x1), str(world.y)}
    for secret in ("password_hash", "totp_secret", "token_hash", "email_key"):
        assert secret not in seen_by_staff
    # Y's admin cannot see X's people at all.
    assert (await world.api("y_admin").get(f"/api/v1/users/{people['x_member'].user_id}")).status_code == 404
    # Pages with a cursor, newest first.
    first = (await world.tenant.api.get("/api/v1/users", params={"limit": 3})).json()
    second = (await world.tenant.api.get("/api/v1/users", params={"limit": 3, "cursor": first["next_cursor"]})).json()
    assert len(first["items"]) == 3 and not {u["id"] for u in first["items"]} & {u["id"] for u in second["items"]}


async def test_patch_changes_the_profile_and_refuses_fixed_fields(world: World) -> None:
    target = world.people["x_member"].user_id
    api = world.api("x_admin")
    changed = await api.patch(f"/api/v1/users/{target}", json={
        "name": "Mari Maasikas", "language": "en", "time_zone": "Europe/Tallinn", "mobile": "+372 5555 1234"})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["time_zone"], body["mobile"]) == ("Mari Maasikas", "Europe/Tallinn", "+37255551234")
    for field, value in (("tenant_id", str(world.tenant.id)), ("role", "tenant_admin"),
                         ("account_id", str(world.y)), ("email", "new@example.test"),
                         ("password_hash", "x"), ("status", "superuser")):
        refused = await api.patch(f"/api/v1/users/{target}", json={field: value})
        assert refused.status_code == 422, (field, refused.text)
        assert field in refused.text
    for field, value in (("language", "fr"), ("time_zone", "Mars/Olympus"), ("mobile", "5551234")):
        refused = await api.patch(f"/api/v1/users/{target}", json={field: value})
        assert refused.status_code == 422 and refused.json()["field"] == field, refused.text
    # A mobile number is one person's at a tenant.
    taken = await world.tenant.api.patch(f"/api/v1/users/{world.people['y_admin'].user_id}",
                                         json={"mobile": "+37255551234"})
    assert taken.status_code == 409, taken.text
    log = items(await world.tenant.api.get("/api/v1/audit-log", params={"object_id": str(target)}))
    assert log[0]["action"] == "user.update" and log[0]["after"]["name"] == "Mari Maasikas"


async def test_an_account_admin_cannot_touch_someone_with_wider_powers(world: World) -> None:
    boss = await world.person([(Role.TENANT_ADMIN, None), (Role.ACCOUNT_MEMBER, world.x)])
    api = world.api("x_admin")
    assert (await api.get(f"/api/v1/users/{boss.user_id}")).status_code == 200
    for body in ({"status": "disabled"}, {"mobile": "+37255550000"}, {"name": "Pwned"}):
        assert (await api.patch(f"/api/v1/users/{boss.user_id}", json=body)).status_code == 403
    assert (await boss.api.get("/api/v1/tenant")).status_code == 200
    # Support fixes people, but not those with tenant-wide roles; a tenant admin may.
    support = world.api("support")
    assert (await support.patch(f"/api/v1/users/{boss.user_id}", json={"status": "disabled"})).status_code == 403
    assert (await support.patch(f"/api/v1/users/{world.people['x_member'].user_id}",
                                json={"name": "Fixed"})).status_code == 200
    assert (await world.api("tenant_admin").patch(f"/api/v1/users/{boss.user_id}",
                                                  json={"name": "Boss"})).status_code == 200


async def test_disabling_a_user_ends_their_sessions_at_once(world: World) -> None:
    member = world.people["x_member"]
    assert (await member.api.get("/api/v1/accounts")).status_code == 200
    disabled = await world.api("x_admin").patch(f"/api/v1/users/{member.user_id}", json={"status": "disabled"})
    assert disabled.status_code == 200 and disabled.json()["status"] == "disabled"
    assert (await member.api.get("/api/v1/accounts")).status_code == 401
    # Enabled again, the old token stays dead (it was revoked); nobody changes their own status.
    assert (await world.tenant.api.patch(f"/api/v1/users/{member.user_id}", json={"status": "active"})).status_code \
        == 200
    assert (await member.api.get("/api/v1/accounts")).status_code == 401
    me = world.people["x_admin"]
    assert (await me.api.patch(f"/api/v1/users/{me.user_id}", json={"status": "disabled"})).status_code == 403


async def test_memberships_grant_and_remove_within_limits(world: World) -> None:
    newcomer = await world.person([(Role.ACCOUNT_MEMBER, world.x1a)])
    x_admin = world.api("x_admin")
    granted = await x_admin.post(f"/api/v1/users/{newcomer.user_id}/memberships",
                                 json={"role": "account_admin", "account_id": str(world.x1)})
    assert granted.status_code == 201, granted.text
    roles = {(m["role"], m["account_id"]) for m in
             (await x_admin.get(f"/api/v1/users/{newcomer.user_id}/memberships")).json()}
    assert roles == {("account_member", str(world.x1a)), ("account_admin", str(world.x1))}
    again = await x_admin.post(f"/api/v1/users/{newcomer.user_id}/memberships",
                               json={"role": "account_admin", "account_id": str(world.x1)})
    assert again.status_code == 409
    # Escalation and reach: no tenant role, no account outside its tree, nothing for itself.
    attempts = [
        (newcomer.user_id, {"role": "tenant_admin"}, 403),
        (newcomer.user_id, {"role": "customer_support"}, 403),
        (newcomer.user_id, {"role": "account_admin", "account_id": str(world.y)}, 403),
        (world.people["x_admin"].user_id, {"role": "account_admin", "account_id": str(world.x1)}, 403),
        (newcomer.user_id, {"role": "account_admin"}, 422),  # an account role needs its account
        (newcomer.user_id, {"role": "owner", "account_id": str(world.x)}, 422),
    ]
    for user_id, body, status in attempts:
        response = await x_admin.post(f"/api/v1/users/{user_id}/memberships", json=body)
        assert response.status_code == status, (body, response.text)
    # The sub-account admin now granted cannot lift itself to the parent.
    new_admin = api_client(world.running, newcomer.token)
    async with new_admin:
        lift = await new_admin.post(f"/api/v1/users/{newcomer.user_id}/memberships",
                                    json={"role": "account_admin", "account_id": str(world.x)})
        assert lift.status_code == 403
    # Members and support cannot grant at all.
    for who in ("x_member", "support", "x_driver"):
        response = await world.api(who).post(f"/api/v1/users/{newcomer.user_id}/memberships",
                                             json={"role": "account_member", "account_id": str(world.x)})
        assert response.status_code == 403, (who, response.text)
    removed = await x_admin.delete(f"/api/v1/users/{newcomer.user_id}/memberships/{granted.json()['id']}")
    assert removed.status_code == 204
    # Y's admin cannot remove X's memberships; it does not even see them.
    other = (await world.tenant.api.get(f"/api/v1/users/{newcomer.user_id}/memberships")).json()[0]
    assert (await world.api("y_admin").delete(
        f"/api/v1/users/{newcomer.user_id}/memberships/{other['id']}")).status_code == 404
    log = items(await world.tenant.api.get("/api/v1/audit-log", params={"object_type": "membership"}))
    assert [e["action"] for e in log[:2]] == ["membership.delete", "membership.create"]
    assert log[1]["after"] == {"user_id": str(newcomer.user_id), "role": "account_admin",
                               "account_id": str(world.x1)}


async def test_the_last_tenant_admin_stays(world: World) -> None:
    admin = world.people["tenant_admin"]
    mine = (await world.tenant.api.get(f"/api/v1/users/{admin.user_id}/memberships")).json()
    # The API key is a tenant admin too, but it is not a user: this user is the last one.
    removed = await world.tenant.api.delete(f"/api/v1/users/{admin.user_id}/memberships/{mine[0]['id']}")
    assert removed.status_code == 409 and "last tenant admin" in removed.text
    disabled = await world.tenant.api.patch(f"/api/v1/users/{admin.user_id}", json={"status": "disabled"})
    assert disabled.status_code == 409
    second = await world.person([])
    granted = await admin.api.post(f"/api/v1/users/{second.user_id}/memberships", json={"role": "tenant_admin"})
    assert granted.status_code == 201, granted.text
    # With a second admin the first may go; nobody removes their own role, though.
    assert (await admin.api.delete(
        f"/api/v1/users/{admin.user_id}/memberships/{mine[0]['id']}")).status_code == 403
    assert (await world.tenant.api.delete(
        f"/api/v1/users/{admin.user_id}/memberships/{mine[0]['id']}")).status_code == 204
    last = await world.tenant.api.delete(f"/api/v1/users/{second.user_id}/memberships/{granted.json()['id']}")
    assert last.status_code == 409
