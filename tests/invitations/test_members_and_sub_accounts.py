"""Members (by email or SMS), sub-accounts, people who have an account already, and bad requests."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select

from chargeplane.db import UnitOfWork
from chargeplane.domain.identity.models import Membership, User
from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.tenancy.models import Account
from tests.invitations.support import (
    BUSINESS,
    PASSWORD,
    accept,
    anonymous,
    emailed_token,
    invite,
    log_in,
    preview,
    read,
    write,
)
from tests.messaging.support import RecordingSms, SmtpServer, body_of, link_in, open_tenant
from tests.support.people import make_account, make_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


def memberships(user_id: str) -> Any:
    def unit(uow: UnitOfWork) -> list[tuple[str, uuid.UUID | None]]:
        rows = uow.session.scalars(select(Membership).where(Membership.user_id == uuid.UUID(user_id)))
        return sorted((m.role, m.account_id) for m in rows)

    return unit


async def test_a_member_invited_by_sms_joins_the_account(running_app: RunningApp, tenant: TenantHandle) -> None:
    await open_tenant(running_app, tenant.id)
    sms = RecordingSms()
    running_app.app.delivery.sms = sms
    account_id = await make_account(running_app, tenant.id, name="Cooperative")
    admin = await make_user(running_app, tenant.id, roles=[(Role.ACCOUNT_ADMIN, account_id)])
    async with admin.api:
        created = await invite(admin.api, kind="member", mobile="+372 5555 1234", role="driver",
                               account_id=str(account_id), language="lt")
    assert created["mobile"] == "+37255551234" and created["email"] is None
    text = await sms.wait_for("+37255551234")
    assert f"{admin.email} pakvietė jus prie Cooperative" in text  # Lithuanian
    token = link_in(text)[1]
    async with anonymous(running_app) as public:
        face = (await preview(public, token)).json()
        assert face["account_name"] == "Cooperative" and face["inviter"] == admin.email and face["role"] == "driver"
        accepted = await accept(public, token, name="Jonas")
        assert accepted.status_code == 200, accepted.text
    result = accepted.json()
    assert result["account_id"] == str(account_id) and result["role"] == "driver"
    assert await read(running_app, tenant.id, memberships(result["user_id"])) == [("driver", account_id)]

    def user(uow: UnitOfWork) -> tuple[str | None, str | None, str, bool]:
        row = uow.session.scalar(select(User).where(User.id == uuid.UUID(result["user_id"])))
        assert row is not None
        return row.mobile, row.email, row.status, row.email_verified_at is not None

    assert await read(running_app, tenant.id, user) == ("+37255551234", None, "active", False)


async def test_a_sub_account_invitation_creates_the_employee_account(running_app: RunningApp, tenant: TenantHandle,
                                                                     smtp: SmtpServer) -> None:
    await open_tenant(running_app, tenant.id)
    company = await make_account(running_app, tenant.id, name="Company")
    admin = await make_user(running_app, tenant.id, roles=[(Role.ACCOUNT_ADMIN, company)])
    async with admin.api:
        bad_iban = await admin.api.post("/api/v1/invitations", json={
            "kind": "sub_account", "email": "emp@example.test",
            "account": {"name": "Emp", "relation": "employee", "payee_iban": "EE38 2200 2210 2014 5686"}})
        assert bad_iban.status_code == 422 and bad_iban.json()["field"] == "payee_iban"
        no_relation = await admin.api.post("/api/v1/invitations", json={
            "kind": "sub_account", "email": "emp@example.test", "account": {"name": "Emp"}})
        assert no_relation.status_code == 422 and no_relation.json()["field"] == "account.relation"
        created = await invite(admin.api, kind="sub_account", email="emp@example.test", account={
            "name": "Emp Home", "relation": "employee", "reimbursement_rate": "0.1234",
            "reimbursement_currency": "eur", "payee_iban": "EE38 2200 2210 2014 5685"})
    assert created["account_id"] == str(company) and created["account_kind"] == "consumer"
    mail = await smtp.mailbox.wait_for("emp@example.test")
    assert mail["Subject"] == f"{admin.email} set up the account Emp Home for you on Tenant {tenant.slug}"
    async with anonymous(running_app) as public:
        accepted = await accept(public, link_in(body_of(mail))[1])
        assert accepted.status_code == 200, accepted.text
    result = accepted.json()

    def account(uow: UnitOfWork) -> tuple[Any, ...]:
        row = uow.session.scalar(select(Account).where(Account.id == uuid.UUID(result["account_id"])))
        assert row is not None
        return (row.parent_id, row.relation, row.kind, row.reimbursement_rate, row.reimbursement_currency,
                row.payee_iban)

    assert await read(running_app, tenant.id, account) == (
        company, "employee", "consumer", Decimal("0.1234"), "EUR", "EE382200221020145685")
    assert await read(running_app, tenant.id, memberships(result["user_id"])) == [
        ("account_admin", uuid.UUID(result["account_id"]))]


async def test_an_existing_user_accepts_logged_in(running_app: RunningApp, tenant: TenantHandle,
                                                  smtp: SmtpServer) -> None:
    await open_tenant(running_app, tenant.id)
    account_id = await make_account(running_app, tenant.id, name="Club")
    known = await make_user(running_app, tenant.id, roles=[], email="known@example.test", password=PASSWORD)
    stranger = await make_user(running_app, tenant.id, roles=[])
    async with known.api, stranger.api:
        await invite(tenant.api, kind="member", email="KNOWN@example.test", role="account_member",
                     account_id=str(account_id))
        token = await emailed_token(smtp, "known@example.test")
        async with anonymous(running_app) as public:
            assert (await preview(public, token)).json()["existing_user"] is True
            anonymous_try = await accept(public, token)
            assert anonymous_try.status_code == 401
            assert "log in as that user" in anonymous_try.json()["detail"]
        assert (await accept(stranger.api, token)).status_code == 403
        accepted = await accept(known.api, token, password=None)
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["created_user"] is False and accepted.json()["user_id"] == str(known.user_id)
        assert await read(running_app, tenant.id, memberships(str(known.user_id))) == [("account_member", account_id)]
        # Invited into what they hold already: refused when sending.
        again = await tenant.api.post("/api/v1/invitations", json={
            "kind": "member", "email": "known@example.test", "role": "account_member", "account_id": str(account_id)})
        assert again.status_code == 409
    # Their password still works, untouched by the acceptance.
    async with await log_in(running_app, tenant.slug, "known@example.test"):
        pass


async def test_an_invitation_dies_with_its_senders_authority(running_app: RunningApp, tenant: TenantHandle,
                                                             smtp: SmtpServer) -> None:
    await open_tenant(running_app, tenant.id)
    account_id = await make_account(running_app, tenant.id, name="Shop")
    admin = await make_user(running_app, tenant.id, roles=[(Role.ACCOUNT_ADMIN, account_id)])
    async with admin.api:
        created = await invite(admin.api, kind="member", email="late@example.test", role="driver",
                               account_id=str(account_id))
    token = await emailed_token(smtp, "late@example.test")
    await write(running_app, tenant.id, lambda uow: uow.session.execute(
        delete(Membership).where(Membership.user_id == admin.user_id)))
    async with anonymous(running_app) as public:
        refused = await accept(public, token)
        assert refused.status_code == 409 and "ask for a new invitation" in refused.json()["detail"]
        # Whoever resends stands behind it from then on, if they may send it at all.
        support = await make_user(running_app, tenant.id, roles=[(Role.CUSTOMER_SUPPORT, None)])
        async with support.api:
            assert (await support.api.post(f"/api/v1/invitations/{created['id']}/resend")).status_code == 403
        resent = await tenant.api.post(f"/api/v1/invitations/{created['id']}/resend")
        assert resent.status_code == 200 and resent.json()["invited_by_user_id"] is None
        assert resent.json()["invited_by_key_id"] is not None
        accepted = await accept(public, await emailed_token(smtp, "late@example.test", count=2))
        assert accepted.status_code == 200, accepted.text


async def test_bad_invitations_are_refused_with_the_field_at_fault(running_app: RunningApp, tenant: TenantHandle,
                                                                   smtp: SmtpServer) -> None:
    await open_tenant(running_app, tenant.id)
    account_id = str(await make_account(running_app, tenant.id))
    cases: list[tuple[dict[str, Any], str | None]] = [
        ({"kind": "member", "email": "a@example.test", "account_id": account_id}, "role"),
        ({"kind": "member", "role": "driver", "account_id": account_id}, "email"),
        ({"kind": "member", "email": "not-an-email", "role": "driver", "account_id": account_id}, "email"),
        ({"kind": "member", "mobile": "5551234", "role": "driver", "account_id": account_id}, "mobile"),
        ({"kind": "member", "email": "a@example.test", "role": "driver"}, "account_id"),
        ({"kind": "member", "email": "a@example.test", "role": "driver", "account_id": account_id,
          "language": "de"}, "language"),
        ({"kind": "customer", "email": "a@example.test"}, "account"),
        ({"kind": "customer", "email": "a@example.test", "account": {**BUSINESS, "legal_name": None}}, "legal_name"),
        ({"kind": "customer", "email": "a@example.test", "account": {"name": "A"}, "tenant_id": account_id}, None),
        ({"kind": "member", "email": "a@example.test", "role": "owner", "account_id": account_id}, None),
        ({"kind": "nobody", "email": "a@example.test"}, None),
    ]
    for body, field in cases:
        response = await tenant.api.post("/api/v1/invitations", json=body)
        assert response.status_code == 422, (body, response.text)
        if field is not None:
            assert response.json()["field"] == field, (body, response.json())


async def test_a_never_verified_sign_up_is_taken_over_by_the_inbox_owner(
        running_app: RunningApp, tenant: TenantHandle, smtp: SmtpServer) -> None:
    """Someone signed up with this address and never verified it: the invitation link proves the inbox,
    so its holder sets the password, and the earlier one no longer works."""
    await open_tenant(running_app, tenant.id)
    account_id = await make_account(running_app, tenant.id, name="Team")
    squatter_password = "someone else's guess"
    hashed = running_app.app.hashing.hash(squatter_password)

    def pending(uow: UnitOfWork) -> uuid.UUID:
        user = User(email="inbox@example.test", email_key="inbox@example.test", status="pending",
                    password_hash=hashed)
        uow.session.add(user)
        uow.session.flush()
        return user.id

    user_id = await write(running_app, tenant.id, pending)
    await invite(tenant.api, kind="member", email="inbox@example.test", role="driver", account_id=str(account_id))
    token = await emailed_token(smtp, "inbox@example.test")
    async with anonymous(running_app) as public:
        assert (await preview(public, token)).json()["existing_user"] is False
        accepted = await accept(public, token)
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["user_id"] == str(user_id)
        squatter = await public.post("/api/v1/auth/login", json={
            "tenant": tenant.slug, "email": "inbox@example.test", "password": squatter_password})
        assert squatter.status_code == 401
    async with await log_in(running_app, tenant.slug, "inbox@example.test") as owner:
        assert (await owner.get("/api/v1/invitations")).status_code == 403  # a driver manages no invitations
