"""The link's life: 24 hours, single use, replaced by a resend, withdrawn by a revoke."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from chargeplane.domain.clock import ManualClock
from tests.invitations.support import accept, anonymous, emailed_token, invite, preview
from tests.messaging.support import SmtpServer, open_tenant
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

CUSTOMER = {"kind": "customer", "account": {"name": "Home"}}


async def test_a_link_expires_after_24_hours_and_a_resend_gives_a_new_one(
        running_app: RunningApp, tenant: TenantHandle, smtp: SmtpServer, clock: ManualClock) -> None:
    await open_tenant(running_app, tenant.id)
    created = await invite(tenant.api, email="late@example.test", **CUSTOMER)
    first = await emailed_token(smtp, "late@example.test")
    async with anonymous(running_app) as public:
        clock.advance(timedelta(hours=23, minutes=59))
        assert (await preview(public, first)).status_code == 200
        clock.advance(timedelta(minutes=1))
        expired = await preview(public, first)
        assert expired.status_code == 410 and "expired" in expired.json()["detail"]
        assert (await accept(public, first)).status_code == 410
        listed = (await tenant.api.get(f"/api/v1/invitations/{created['id']}")).json()
        assert listed["status"] == "expired"

        resent = await tenant.api.post(f"/api/v1/invitations/{created['id']}/resend")
        assert resent.status_code == 200, resent.text
        body = resent.json()
        assert body["status"] == "pending" and body["sent_count"] == 2
        second = await emailed_token(smtp, "late@example.test", count=2)
        assert second != first
        assert (await preview(public, first)).status_code == 404  # the old link stops working
        assert (await accept(public, first)).status_code == 404
        clock.advance(timedelta(hours=23))
        assert (await accept(public, second)).status_code == 200
        assert (await tenant.api.post(f"/api/v1/invitations/{created['id']}/resend")).status_code == 409


async def test_a_revoked_invitation_is_gone(running_app: RunningApp, tenant: TenantHandle, smtp: SmtpServer) -> None:
    await open_tenant(running_app, tenant.id)
    created = await invite(tenant.api, email="withdrawn@example.test", **CUSTOMER)
    token = await emailed_token(smtp, "withdrawn@example.test")
    revoked = await tenant.api.delete(f"/api/v1/invitations/{created['id']}")
    assert revoked.status_code == 204
    async with anonymous(running_app) as public:
        gone = await preview(public, token)
        assert gone.status_code == 410 and "withdrawn" in gone.json()["detail"]
        assert (await accept(public, token)).status_code == 410
    assert (await tenant.api.delete(f"/api/v1/invitations/{created['id']}")).status_code == 409
    assert (await tenant.api.post(f"/api/v1/invitations/{created['id']}/resend")).status_code == 409
    listed = (await tenant.api.get("/api/v1/invitations", params={"status": "revoked"})).json()["items"]
    assert [item["id"] for item in listed] == [created["id"]]
    audit = await tenant.api.get("/api/v1/audit-log", params={"object_type": "invitation", "object_id": created["id"]})
    assert audit.status_code == 200, audit.text
    assert {entry["action"] for entry in audit.json()["items"]} == {"invitation.create", "invitation.revoke"}


async def test_unknown_links_are_not_found(running_app: RunningApp, tenant: TenantHandle) -> None:
    async with anonymous(running_app) as public:
        for token in ("cpi_nothing-like-it", "garbage", ""):
            response = await preview(public, token)
            assert response.status_code in (404, 422), response.text
            assert response.headers["content-type"].startswith("application/problem+json")
        assert (await accept(public, "cpi_nothing-like-it")).status_code == 404
        too_long = await preview(public, "x" * 1000)
        assert too_long.status_code == 422


async def test_a_link_presented_twice_at_once_is_used_once(running_app: RunningApp, tenant: TenantHandle,
                                                           smtp: SmtpServer) -> None:
    await open_tenant(running_app, tenant.id)
    await invite(tenant.api, email="twice@example.test", **CUSTOMER)
    token = await emailed_token(smtp, "twice@example.test")
    async with anonymous(running_app) as one, anonymous(running_app) as two:
        answers = await asyncio.gather(accept(one, token), accept(two, token))
    assert sorted(a.status_code for a in answers) == [200, 410]
