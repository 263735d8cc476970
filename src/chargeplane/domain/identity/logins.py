"""Login sessions: a portal cookie or a driver-app bearer token, revocable, stored as a hash.

The CSRF token of a cookie session is derived from its secret (HMAC), so the portal can put it in
its pages and the server can check it without storing a second secret."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from chargeplane.db import UnitOfWork
from chargeplane.domain.identity.models import LoginSession, Membership, User
from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.secrets import digest, new_secret

TOKEN_PREFIX = "cps"
LIFETIME = {"cookie": timedelta(hours=12), "bearer": timedelta(days=30)}
# Sliding use: a session's last use is written at most this often.
TOUCH_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class IssuedLogin:
    session: LoginSession
    secret: str  # handed to the client once, never stored
    csrf_token: str


def csrf_token_for(secret: str) -> str:
    return hmac.new(secret.encode(), b"csrf", hashlib.sha256).hexdigest()


def start_login_session(uow: UnitOfWork, *, user: User, kind: str, now: datetime,
                        source_address: str | None = None, user_agent: str | None = None) -> IssuedLogin:
    if kind not in LIFETIME:
        raise ValueError(f"unknown login session kind {kind!r}")
    secret = new_secret(TOKEN_PREFIX)
    row = LoginSession(user_id=user.id, token_hash=digest(secret), kind=kind, created_at=now,
                       expires_at=now + LIFETIME[kind], source_address=source_address,
                       user_agent=(user_agent or "")[:300] or None)
    uow.session.add(row)
    uow.session.flush()
    return IssuedLogin(row, secret, csrf_token_for(secret))


def revoke_login_session(uow: UnitOfWork, *, session_id: uuid.UUID, now: datetime) -> None:
    uow.session.execute(update(LoginSession).where(LoginSession.id == session_id, LoginSession.revoked_at.is_(None))
                        .values(revoked_at=now))


def revoke_all_login_sessions(uow: UnitOfWork, *, user_id: uuid.UUID, now: datetime) -> None:
    """Log the user out everywhere (password change, reset, disabled user, "log out everywhere")."""
    uow.session.execute(update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
                        .values(revoked_at=now))


def memberships_of(uow: UnitOfWork, user_id: uuid.UUID) -> tuple[tuple[Role, uuid.UUID | None], ...]:
    rows = uow.session.execute(select(Membership.role, Membership.account_id).where(Membership.user_id == user_id))
    return tuple((Role(role), account_id) for role, account_id in rows)


def principal_for_user(uow: UnitOfWork, user: User, *, source_address: str | None = None,
                       login_session_id: uuid.UUID | None = None) -> Principal:
    return Principal(tenant_id=user.tenant_id, kind="user", id=user.id, label=user.email or user.mobile or str(user.id),
                     memberships=memberships_of(uow, user.id), source_address=source_address,
                     login_session_id=login_session_id)


@dataclass(frozen=True, slots=True)
class LoginCheck:
    principal: Principal
    kind: str
    touch: bool  # whether the caller should record this use


def authenticate_login(uow: UnitOfWork, *, secret: str, now: datetime,
                       source_address: str | None = None) -> LoginCheck | None:
    """The user behind a live session token, or None. Runs with an installation scope: the token
    alone says which tenant it belongs to."""
    if not secret.startswith(f"{TOKEN_PREFIX}_"):
        return None
    row = uow.session.scalar(select(LoginSession).where(LoginSession.token_hash == digest(secret)))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = uow.session.get(User, row.user_id)
    if user is None or user.status != "active":
        return None
    if user.sessions_valid_after is not None and row.created_at < user.sessions_valid_after:
        return None
    touch = row.last_used_at is None or now - row.last_used_at >= TOUCH_RESOLUTION
    return LoginCheck(principal_for_user(uow, user, source_address=source_address, login_session_id=row.id),
                      row.kind, touch)


def touch_login_session(uow: UnitOfWork, *, session_id: uuid.UUID, now: datetime) -> None:
    uow.session.execute(update(LoginSession).where(LoginSession.id == session_id).values(last_used_at=now))
