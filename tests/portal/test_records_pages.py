"""The outbox and the audit log in the operator portal: what the other pages' actions left on record,
delivered to (or refused by) a real SMTP server, filtered and paged; tenant admins only, each tenant
its own."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.audit.service import record
from chargeplane.domain.clock import ManualClock
from chargeplane.domain.identity.permissions import Role
from tests.messaging.conftest import app_settings, running_app
from tests.messaging.support import SmtpServer, outbox, wait_for_status
from tests.portal.support import PortalPerson, portal_user
from tests.support.people import make_account, make_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

__all__ = ["app_settings", "running_app"]  # a real SMTP server and a hand-moved clock


async def invite(admin: PortalPerson, email: str, account_id: uuid.UUID) -> None:
    sent = await admin.portal.post("/portal/invitations/new", {"kind": "member", "email": email, "role": "driver",
                                                               "account_id": str(account_id)})
    assert sent.status_code == 303, sent.text


async def test_the_outbox_shows_sent_and_refused_messages(running_app: RunningApp, tenant: TenantHandle,
                                                          admin: PortalPerson, smtp: SmtpServer) -> None:
    account_id = await make_account(running_app, tenant.id, name="Harbour Housing")
    await invite(admin, "arrives@example.test", account_id)
    await smtp.mailbox.wait_for("arrives@example.test")
    smtp.mailbox.refuse_always = "550 no such mailbox here"
    await invite(admin, "bounces@example.test", account_id)
    refused = next(m for m in await outbox(running_app, tenant.id) if m.recipient == "bounces@example.test")
    await wait_for_status(running_app, tenant.id, refused.id, "failed", error=True)
    await wait_for_status(running_app, tenant.id, next(m.id for m in await outbox(running_app, tenant.id)
                                                       if m.recipient == "arrives@example.test"), "sent")

    page = await admin.portal.get("/portal/outbox")
    assert page.status_code == 200 and 'aria-current="page"' in page.text
    assert "arrives@example.test" in page.text and "bounces@example.test" in page.text
    assert "<code>invitation</code>" in page.text and "/invitations/accept?token=" in page.text
    failed = await admin.portal.get("/portal/outbox", params={"status": "failed", "channel": ""})
    assert "bounces@example.test" in failed.text and "arrives@example.test" not in failed.text
    assert "550 no such mailbox here" in failed.text and "Failed" in failed.text
    sent = await admin.portal.get("/portal/outbox", params={"status": "sent"})
    assert "arrives@example.test" in sent.text and "bounces@example.test" not in sent.text
    one = await admin.portal.get("/portal/outbox", params={"recipient": "ARRIVES@example.test"})
    assert "arrives@example.test" in one.text and "bounces@example.test" not in one.text


async def test_the_audit_log_shows_who_changed_what(running_app: RunningApp, tenant: TenantHandle,
                                                    admin: PortalPerson, clock: ManualClock) -> None:
    account_id = await make_account(running_app, tenant.id, name="Harbour Housing")
    person = await make_user(running_app, tenant.id, roles=[(Role.DRIVER, account_id)])
    await person.api.aclose()
    granted = await admin.portal.post(f"/portal/users/{person.user_id}/roles",
                                      {"role": "account_member", "account_id": str(account_id)})
    assert granted.status_code == 303
    renamed = await admin.portal.post(f"/portal/accounts/{account_id}/edit", {"name": "Harbour Homes",
                                                                              "kind": "standard"})
    assert renamed.status_code == 303

    log = await admin.portal.get("/portal/audit")
    assert log.status_code == 200
    assert "Role given" in log.text and "Account changed" in log.text and admin.email in log.text
    # The account's change, before and after, in its own <details>.
    entry = re.search(r"Account changed.*?</details>", log.text, re.S)
    assert entry and "<details>" in entry.group(0)
    assert "Harbour Housing" in entry.group(0) and "Harbour Homes" in entry.group(0)
    assert f'href="/portal/accounts/{account_id}"' in log.text

    accounts_only = await admin.portal.get("/portal/audit", params={"object_type": "account"})
    assert "Account changed" in accounts_only.text and "Role given" not in accounts_only.text
    by_admin = await admin.portal.get("/portal/audit", params={"actor": str(admin.user_id)})
    assert "Role given" in by_admin.text
    by_someone_else = await admin.portal.get("/portal/audit", params={"actor": str(person.user_id)})
    assert "Role given" not in by_someone_else.text and "No entries match." in by_someone_else.text
    history = await admin.portal.get("/portal/audit", params={"object_id": str(account_id)})
    assert "Account changed" in history.text and "Role given" not in history.text
    today = clock.now().date()
    within = await admin.portal.get("/portal/audit", params={"occurred_from": today.isoformat(),
                                                             "occurred_to": today.isoformat()})
    assert "Role given" in within.text
    later = await admin.portal.get("/portal/audit", params={"occurred_from": (today + timedelta(days=1)).isoformat()})
    assert "Role given" not in later.text
    earlier = await admin.portal.get("/portal/audit", params={"occurred_to": (today - timedelta(days=1)).isoformat()})
    assert "Role given" not in earlier.text


async def test_the_audit_log_pages_back_in_time(running_app: RunningApp, tenant: TenantHandle,
                                                admin: PortalPerson, clock: ManualClock) -> None:
    start = clock.now()

    def many(uow: UnitOfWork) -> None:
        for n in range(55):
            record(uow, actor=None, action="site.create", object_type="site", object_id=f"site-{n:02d}",
                   at=start - timedelta(minutes=n))

    await running_app.arun(running_app.app.db.write(Scope.tenant(tenant.id), many))
    first = await admin.portal.get("/portal/audit", params={"object_type": "site"})
    # The 50 newest, newest first; the rest on the next page.
    assert "<code>site-00</code>" in first.text and "<code>site-49</code>" in first.text
    assert "<code>site-50</code>" not in first.text
    older = re.search(r'href="(/portal/audit\?[^"]*cursor=[^"]+)"', first.text)
    assert older, "no link to older entries"
    second = await admin.portal.get(older.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    assert "<code>site-50</code>" in second.text and "<code>site-54</code>" in second.text
    assert "<code>site-49</code>" not in second.text
    assert "object_type=site" in older.group(1)  # the filters stay
    assert (await admin.portal.get("/portal/audit", params={"cursor": "not-ours"})).status_code == 200


async def test_records_are_for_tenant_admins_of_their_own_tenant(
        running_app: RunningApp, tenant: TenantHandle, other_tenant: TenantHandle, admin: PortalPerson) -> None:
    support = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.CUSTOMER_SUPPORT, None)])
    account_id = await make_account(running_app, tenant.id)
    owner = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.ACCOUNT_ADMIN, account_id)])
    stranger = await portal_user(running_app, other_tenant.id, other_tenant.slug, roles=[(Role.TENANT_ADMIN, None)])
    try:
        for person in (support, owner):
            assert (await person.portal.get("/portal/outbox")).status_code == 403
            assert (await person.portal.get("/portal/audit")).status_code == 403
        renamed = await admin.portal.post(f"/portal/accounts/{account_id}/edit", {"name": "Secret Name"})
        assert renamed.status_code == 303
        assert "Secret Name" not in (await stranger.portal.get("/portal/audit")).text
        assert "Secret Name" in (await admin.portal.get("/portal/audit")).text
    finally:
        for person in (support, owner, stranger):
            await person.portal.aclose()
            await person.person.api.aclose()
