"""Single-use links mailed to a user: email verification (24 h) and password reset (1 h).

The link carries a 256-bit secret; only its SHA-256 is stored. Sending a new link of a purpose
spends the user's earlier ones, so only the newest works. Every way a link can fail (unknown, used,
expired) gives the same answer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import Invalid
from chargeplane.domain.identity.models import OneTimeToken, User
from chargeplane.domain.messaging.outbox import queue_message
from chargeplane.domain.secrets import digest, new_secret
from chargeplane.domain.tenancy.models import Tenant

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"


@dataclass(frozen=True, slots=True)
class Purpose:
    name: str
    prefix: str  # tells the kinds of secret apart at a glance (logs, support)
    lifetime: timedelta
    path: str  # the portal page the link opens
    template: str


PURPOSES = {
    VERIFY_EMAIL: Purpose(VERIFY_EMAIL, "cpe", timedelta(hours=24), "/verify-email", "verify_email"),
    RESET_PASSWORD: Purpose(RESET_PASSWORD, "cpr", timedelta(hours=1), "/reset-password", "reset_password"),
}


class InvalidLink(Invalid):
    code = "invalid_link"


def _invalid() -> InvalidLink:
    return InvalidLink("this link is not valid: it was already used, has expired or was replaced by a newer one; "
                       "ask for a new one", field="token")


def tenant_name(tenant: Tenant) -> str:
    return tenant.display_name or tenant.name


def send_link(uow: UnitOfWork, *, user: User, tenant: Tenant, purpose: str, now: datetime, base_url: str) -> None:
    """Issue a new link for `purpose` (spending the earlier ones) and queue it to the user's email."""
    kind = PURPOSES[purpose]
    if user.email is None:
        raise Invalid("the user has no email address", field="email")
    uow.session.execute(update(OneTimeToken)
                        .where(OneTimeToken.user_id == user.id, OneTimeToken.purpose == purpose,
                               OneTimeToken.used_at.is_(None))
                        .values(used_at=now))
    secret = new_secret(kind.prefix)
    uow.session.add(OneTimeToken(user_id=user.id, purpose=purpose, token_hash=digest(secret), created_at=now,
                                 expires_at=now + kind.lifetime))
    queue_message(uow, channel="email", recipient=user.email, language=user.language, template=kind.template,
                  params={"name": user.name or "", "link": f"{base_url}{kind.path}?token={secret}",
                          "tenant": tenant_name(tenant)}, now=now)


def _find(uow: UnitOfWork, secret: str, purpose: str) -> OneTimeToken | None:
    if not secret.startswith(f"{PURPOSES[purpose].prefix}_"):
        return None
    return uow.session.scalar(select(OneTimeToken).where(OneTimeToken.token_hash == digest(secret),
                                                         OneTimeToken.purpose == purpose))


@dataclass(frozen=True, slots=True)
class LinkOwner:
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    email: str | None


def link_owner(uow: UnitOfWork, *, secret: str, purpose: str, now: datetime) -> LinkOwner:
    """Whose live link this is. Runs with an installation scope: the link alone names its tenant."""
    row = _find(uow, secret, purpose)
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise _invalid()
    user = uow.session.get(User, row.user_id)
    if user is None:
        raise _invalid()
    return LinkOwner(row.tenant_id, user.id, user.email)


def consume_link(uow: UnitOfWork, *, secret: str, purpose: str, now: datetime) -> User:
    """Spend a live link and return its user. The conditional update makes a link single-use even
    when two requests (or two processes) present it at once: only one of them changes the row."""
    row = _find(uow, secret, purpose)
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise _invalid()
    user = uow.session.get(User, row.user_id)
    if user is None or user.status == "disabled":
        raise _invalid()
    spent = uow.session.execute(update(OneTimeToken).where(OneTimeToken.id == row.id, OneTimeToken.used_at.is_(None))
                                .values(used_at=now))
    if cast("CursorResult[Any]", spent).rowcount != 1:
        raise _invalid()
    return user
