"""Becoming a charger owner from the driver app: one personal account, with me as its admin, however
often I ask; then on to registering the charger in the portal."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.audit.models import AuditEntry
from chargeplane.domain.identity.models import Membership
from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.tenancy.models import Account
from tests.portal.support import portal_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


async def test_a_driver_opens_their_own_account_once(running_app: RunningApp, tenant: TenantHandle) -> None:
    driver = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.DRIVER, None)])
    try:
        assert 'href="/app/owner"' in (await driver.portal.get("/app")).text
        assert 'href="/app/owner"' in (await driver.portal.get("/app/profile")).text
        offer = await driver.portal.get("/app/owner")
        assert offer.status_code == 200 and "Do you own a charger?" in offer.text
        assert 'action="/app/owner"' in offer.text and 'href="/portal"' not in offer.text

        opened = await driver.portal.post("/app/owner")
        assert opened.status_code == 303 and opened.headers["location"] == "/portal/charge-points/new"
        again = await driver.portal.post("/app/owner")
        assert again.status_code == 303

        def read(uow: UnitOfWork) -> tuple[list[tuple[str, str]], list[tuple[str, uuid.UUID | None]], list[str]]:
            accounts = [(a.name, a.kind) for a in uow.session.scalars(select(Account))]
            roles = [(m.role, m.account_id) for m in uow.session.scalars(
                select(Membership).where(Membership.user_id == driver.user_id).order_by(Membership.role))]
            audit = [e.action for e in uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
            return accounts, roles, audit

        accounts, roles, audit = await running_app.arun(running_app.app.db.read(Scope.tenant(tenant.id), read))
        assert accounts == [(driver.email, "consumer")]
        account_id = [account for role, account in roles if role == "account_admin"]
        assert [role for role, _ in roles] == ["account_admin", "driver"] and len(account_id) == 1
        assert audit.count("account.create") == 1 and audit.count("membership.create") == 1

        # Now they are staff of their own account: the portal is theirs, and the page says the account is ready.
        assert (await driver.portal.http.get("/")).headers["location"] == "/portal"
        ready = await driver.portal.get("/app/owner")
        assert "is ready" in ready.text and 'href="/portal/charge-points/new"' in ready.text
    finally:
        await driver.portal.aclose()
        await driver.person.api.aclose()
