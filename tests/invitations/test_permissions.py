"""Who may invite whom, and who sees and manages which invitations."""

from __future__ import annotations

import uuid

from chargeplane.domain.identity.permissions import Role
from tests.invitations.support import invite
from tests.messaging.support import SmtpServer, open_tenant, outbox
from tests.support.people import make_account, make_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


async def test_no_invitations_until_the_tenant_has_terms_and_privacy_links(
        running_app: RunningApp, tenant: TenantHandle) -> None:
    await open_tenant(running_app, tenant.id, terms=False)
    response = await tenant.api.post("/api/v1/invitations", json={
        "kind": "customer", "email": "early@example.test", "account": {"name": "Early"}})
    assert response.status_code == 409
    problem = response.json()
    assert problem["field"] == "terms_url" and "terms of use and privacy policy" in problem["detail"]
    assert await outbox(running_app, tenant.id) == []


async def test_account_roles_invite_only_where_and_whom_they_may(running_app: RunningApp, tenant: TenantHandle,
                                                                 smtp: SmtpServer) -> None:
    await open_tenant(running_app, tenant.id)
    mine = await make_account(running_app, tenant.id, name="Mine")
    child = await make_account(running_app, tenant.id, name="Child", parent_id=mine)
    theirs = await make_account(running_app, tenant.id, name="Theirs")
    admin = await make_user(running_app, tenant.id, roles=[(Role.ACCOUNT_ADMIN, mine), (Role.ACCOUNT_MEMBER, theirs)])
    member = await make_user(running_app, tenant.id, roles=[(Role.ACCOUNT_MEMBER, mine)])
    other_admin = await make_user(running_app, tenant.id, roles=[(Role.ACCOUNT_ADMIN, theirs)])
    support = await make_user(running_app, tenant.id, roles=[(Role.CUSTOMER_SUPPORT, None)])
    async with admin.api, member.api, other_admin.api, support.api:
        def member_of(account: uuid.UUID, role: str = "driver") -> dict[str, object]:
            return {"kind": "member", "email": f"{uuid.uuid4().hex[:8]}@example.test", "role": role,
                    "account_id": str(account)}

        # An account member may not invite at all.
        assert (await member.api.post("/api/v1/invitations", json=member_of(mine))).status_code == 403
        # An account admin invites into its account and the accounts under it...
        in_mine = await invite(admin.api, **member_of(mine, "account_admin"))
        in_child = await invite(admin.api, **member_of(child))
        # ...not into an account it only belongs to, nor one it cannot see.
        assert (await admin.api.post("/api/v1/invitations", json=member_of(theirs))).status_code == 403
        outsider = await make_account(running_app, tenant.id, name="Outsider")
        assert (await admin.api.post("/api/v1/invitations", json=member_of(outsider))).status_code == 404
        # No tenant roles from an account, and no new customers.
        staff = await admin.api.post("/api/v1/invitations", json={
            "kind": "member", "email": "boss@example.test", "role": "tenant_admin"})
        assert staff.status_code == 403, staff.text
        customer = await admin.api.post("/api/v1/invitations", json={
            "kind": "customer", "email": "c@example.test", "account": {"name": "C"}})
        assert customer.status_code == 403
        # Customer support invites customers, but hands out no roles in existing accounts.
        by_support = await invite(support.api, kind="customer", email="new@example.test", account={"name": "New"})
        assert (await support.api.post("/api/v1/invitations", json=member_of(mine))).status_code == 403
        # A tenant admin invites tenant staff.
        colleague = await invite(tenant.api, kind="member", email="colleague@example.test", role="customer_support")
        assert colleague["account_id"] is None

        # Each sees what is theirs: the admin its tree, the other admin its account, staff everything.
        seen = {item["id"] for item in (await admin.api.get("/api/v1/invitations")).json()["items"]}
        assert seen == {in_mine["id"], in_child["id"]}
        assert (await other_admin.api.get("/api/v1/invitations")).json()["items"] == []
        everything = {item["id"] for item in (await tenant.api.get("/api/v1/invitations")).json()["items"]}
        assert {in_mine["id"], in_child["id"], by_support["id"], colleague["id"]} <= everything
        assert (await member.api.get("/api/v1/invitations")).status_code == 403
        # ...and manages only that.
        assert (await other_admin.api.delete(f"/api/v1/invitations/{in_mine['id']}")).status_code == 404
        assert (await admin.api.delete(f"/api/v1/invitations/{by_support['id']}")).status_code == 404
        assert (await admin.api.post(f"/api/v1/invitations/{in_child['id']}/resend")).status_code == 200
        assert (await admin.api.delete(f"/api/v1/invitations/{in_child['id']}")).status_code == 204


async def test_another_tenants_invitations_are_invisible(running_app: RunningApp, tenant: TenantHandle,
                                                         other_tenant: TenantHandle, smtp: SmtpServer) -> None:
    await open_tenant(running_app, tenant.id)
    created = await invite(tenant.api, kind="customer", email="x@example.test", account={"name": "X"})
    for method, path in (("GET", f"/api/v1/invitations/{created['id']}"),
                         ("POST", f"/api/v1/invitations/{created['id']}/resend"),
                         ("DELETE", f"/api/v1/invitations/{created['id']}")):
        response = await other_tenant.api.request(method, path)
        assert response.status_code == 404, (method, path, response.text)
    assert (await other_tenant.api.get("/api/v1/invitations")).json()["items"] == []
