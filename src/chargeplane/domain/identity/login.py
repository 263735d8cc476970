"""Logging in with email and password (and a code, once the second factor is on), and the user's
own sessions: list, end one, end all.

A login is three steps so that Argon2 never runs inside a unit of work: read the user's hash
(`login_candidate`), verify it off the loop, then `finish_login` in a write that checks the hash is
still the one verified, the user may log in, and the code; and starts the session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.audit.service import record
from chargeplane.domain.errors import N_, NotFound, Unauthenticated
from chargeplane.domain.identity.logins import IssuedLogin, revoke_all_login_sessions, start_login_session
from chargeplane.domain.identity.models import LoginSession, User
from chargeplane.domain.identity.passwords import find_user_by_email
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.identity.totp import accept_code


class LoginFailed(Unauthenticated):
    code = "login_failed"

    def __init__(self) -> None:
        # One message for an unknown email, a wrong password, an unverified or a disabled user.
        super().__init__(N_("the email or password is wrong, or the user is not verified or not allowed to log in"))


class TotpRequired(Unauthenticated):
    """The password was right and the second factor is on: the client asks for the code. `wrong`
    tells a wrong or reused code (a failed attempt) from a missing one (not an attempt at all)."""

    code = "totp_required"

    def __init__(self, *, wrong: bool) -> None:
        super().__init__(N_("the code is not valid or was already used; enter the current code") if wrong
                         else N_("this user logs in with a code from an authenticator app: send totp_code"),
                         field="totp_code")
        self.wrong = wrong


@dataclass(frozen=True, slots=True)
class LoginCandidate:
    user_id: uuid.UUID | None  # None: nobody has this email (the password is checked all the same)
    password_hash: str | None


def login_candidate(uow: UnitOfWork, *, email: str) -> LoginCandidate:
    user = find_user_by_email(uow, email)
    if user is None:
        return LoginCandidate(None, None)
    return LoginCandidate(user.id, user.password_hash)


def finish_login(uow: UnitOfWork, *, user_id: uuid.UUID, verified_hash: str, totp_code: str | None, kind: str,
                 now: datetime, new_hash: str | None = None, source_address: str | None = None,
                 user_agent: str | None = None) -> tuple[User, IssuedLogin]:
    """Start a session for a user whose password (`verified_hash`) was checked. `new_hash` replaces
    a hash made with outdated parameters."""
    user = uow.session.get(User, user_id)
    if user is None or user.password_hash != verified_hash or user.status != "active":
        raise LoginFailed()
    if user.totp_enabled_at is not None:
        if not totp_code:
            raise TotpRequired(wrong=False)
        if not accept_code(uow, user=user, code=totp_code, now=now):
            raise TotpRequired(wrong=True)
    if new_hash is not None:
        user.password_hash = new_hash
    return user, start_login_session(uow, user=user, kind=kind, now=now, source_address=source_address,
                                     user_agent=user_agent)


def the_user(uow: UnitOfWork, principal: Principal) -> User:
    """The caller's own user (the routes that use it refuse API keys before)."""
    user = uow.session.get(User, principal.user_id) if principal.user_id else None
    if user is None:
        raise NotFound("user not found")
    return user


def live_sessions(uow: UnitOfWork, *, user: User, now: datetime) -> list[LoginSession]:
    rows = uow.session.scalars(select(LoginSession)
                               .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None),
                                      LoginSession.expires_at > now)
                               .order_by(LoginSession.created_at.desc(), LoginSession.id))
    valid_after = user.sessions_valid_after
    return [row for row in rows if valid_after is None or row.created_at >= valid_after]


def end_session(uow: UnitOfWork, *, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime) -> None:
    """End one of the user's own sessions (another user's is not found)."""
    row = uow.session.scalar(select(LoginSession).where(LoginSession.id == session_id,
                                                        LoginSession.user_id == user_id))
    if row is None:
        raise NotFound("session not found")
    if row.revoked_at is None:
        row.revoked_at = now


def log_out_everywhere(uow: UnitOfWork, *, actor: Principal, now: datetime) -> None:
    user = the_user(uow, actor)
    revoke_all_login_sessions(uow, user_id=user.id, now=now)
    user.sessions_valid_after = now
    record(uow, actor=actor, action="user.logout_everywhere", object_type="user", object_id=user.id, at=now)
