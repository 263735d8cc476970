"""A new customer, end to end: the email arrives over SMTP, the link is previewed and accepted, the
account and its owner exist, and the owner logs in."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.audit.models import AuditEntry
from chargeplane.domain.identity.models import Invitation, Membership, TermsAcceptance, User
from chargeplane.domain.tenancy.models import Account
from tests.invitations.support import (
    BUSINESS,
    PASSWORD,
    accept,
    anonymous,
    invite,
    log_in,
    preview,
    read,
)
from tests.messaging.support import SmtpServer, body_of, link_in, open_tenant
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


async def test_customer_invitation_by_email_end_to_end(running_app: RunningApp, tenant: TenantHandle,
                                                       smtp: SmtpServer) -> None:
    await open_tenant(running_app, tenant.id, name="Volt Charging")
    created = await invite(tenant.api, kind="customer", email="Owner@ACME.example", name="Olivia", language="et",
                           account=BUSINESS)
    assert created["status"] == "pending" and created["sent_count"] == 1 and created["account_id"] is None
    assert created["role"] == "account_admin" and created["account_name"] == "Acme AS"
    assert "token" not in str(created).lower().replace("token_", "")

    mail = await smtp.mailbox.wait_for("owner@acme.example")
    assert mail["Subject"] == "Volt Charging kutsus teid liituma: Acme AS (Volt Charging)"  # Estonian, as chosen
    link, token = link_in(body_of(mail))
    assert link.startswith("https://portal.example/invitations/accept?token=cpi_")
    assert len(token) >= 43  # 256 random bits, url-safe

    async with anonymous(running_app) as public:
        shown = await preview(public, token)
        assert shown.status_code == 200, shown.text
        face = shown.json()
        assert face["kind"] == "customer" and face["account_name"] == "Acme AS" and face["inviter"] == "Volt Charging"
        assert face["tenant"]["name"] == "Volt Charging"
        assert face["tenant"]["terms_url"] == "https://operator.example/terms"
        assert face["tenant"]["privacy_url"] == "https://operator.example/privacy"
        assert face["existing_user"] is False and face["language"] == "et" and face["email"] == "Owner@acme.example"

        no_terms = await accept(public, token, accept_terms=False)
        assert no_terms.status_code == 422 and no_terms.json()["field"] == "accept_terms"
        short = await accept(public, token, password="short")
        assert short.status_code == 422 and short.json()["field"] == "password"
        no_password = await public.post("/api/v1/invitations/accept", json={"token": token, "accept_terms": True})
        assert no_password.status_code == 422 and no_password.json()["field"] == "password"

        accepted = await accept(public, token, name="Olivia Owner")
        assert accepted.status_code == 200, accepted.text
        result = accepted.json()
        assert result["created_user"] is True and result["role"] == "account_admin"

        again = await accept(public, token)
        assert again.status_code == 410 and "accepted already" in again.json()["detail"]
        assert (await preview(public, token)).status_code == 410

    def state(uow: UnitOfWork) -> dict[str, Any]:
        user = uow.session.scalar(select(User).where(User.id == uuid.UUID(result["user_id"])))
        account = uow.session.scalar(select(Account).where(Account.id == uuid.UUID(result["account_id"])))
        invitation = uow.session.scalar(select(Invitation).where(Invitation.id == uuid.UUID(created["id"])))
        assert user is not None and account is not None and invitation is not None
        return {
            "user": (user.status, user.email_verified_at is not None, user.language, user.name),
            "account": (account.name, account.kind, account.legal_name, account.vat_number, account.parent_id),
            "memberships": [(m.role, m.account_id) for m in uow.session.scalars(
                select(Membership).where(Membership.user_id == user.id))],
            "terms": [(t.terms_version, t.terms_url) for t in uow.session.scalars(
                select(TermsAcceptance).where(TermsAcceptance.user_id == user.id))],
            "invitation": (invitation.status, invitation.accepted_user_id, invitation.created_account_id),
            "audit": sorted(e.action for e in uow.session.scalars(select(AuditEntry))),
        }

    found = await read(running_app, tenant.id, state)
    assert found["user"] == ("active", True, "et", "Olivia Owner")
    assert found["account"] == ("Acme AS", "business", "Acme Aktsiaselts", "EE123456789", None)
    assert found["memberships"] == [("account_admin", found["invitation"][2])]
    assert found["terms"] == [(1, "https://operator.example/terms")]
    assert found["invitation"][0] == "accepted" and str(found["invitation"][1]) == result["user_id"]
    for action in ("invitation.create", "invitation.accept", "account.create", "membership.create"):
        assert action in found["audit"]

    # The new owner logs in and acts as the admin of the new account.
    async with await log_in(running_app, tenant.slug, "owner@acme.example") as owner:
        listed = await owner.get("/api/v1/invitations")
        assert listed.status_code == 200 and listed.json()["items"] == []  # customers' invitations are staff's
        member = await owner.post("/api/v1/invitations", json={
            "kind": "member", "email": "colleague@acme.example", "role": "driver", "account_id": result["account_id"]})
        assert member.status_code == 201, member.text
    wrong = await anonymous(running_app).post(
        "/api/v1/auth/login", json={"tenant": tenant.slug, "email": "owner@acme.example", "password": PASSWORD + "x"})
    assert wrong.status_code == 401
