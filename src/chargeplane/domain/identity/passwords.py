"""Users' passwords: the policy, Argon2id hashes, changes and resets by email.

Hashing and verifying cost tens of milliseconds on purpose, so entry points do them off the event
loop and outside any unit of work (a unit holds the writer for everyone); the units here only store
a hash already made, after checking that the one verified is still the user's."""

from __future__ import annotations

import functools
import uuid
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import select, update

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.credentials import PasswordHashing
from chargeplane.domain.audit.service import record
from chargeplane.domain.errors import Conflict, Invalid
from chargeplane.domain.identity.contact import email_key
from chargeplane.domain.identity.logins import principal_for_user
from chargeplane.domain.identity.models import LoginSession, User
from chargeplane.domain.identity.onetime import RESET_PASSWORD, consume_link, send_link, tenant_name
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.messaging.outbox import queue_message
from chargeplane.domain.tenancy.service import get_tenant

MIN_LENGTH = 12
# Long enough for any passphrase, short enough that nobody makes us hash a megabyte.
MAX_LENGTH = 128


def check_password_policy(password: str, *, email: str | None, field: str = "password") -> str:
    if len(password) < MIN_LENGTH:
        raise Invalid("the password must be at least %(minimum)s characters long", field=field, minimum=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise Invalid("the password must be at most %(maximum)s characters long", field=field, maximum=MAX_LENGTH)
    if email and password.strip().lower() == email.strip().lower():
        raise Invalid("the password must not be the email address", field=field)
    return password


def _hasher(hashing: PasswordHashing) -> PasswordHasher:
    return PasswordHasher(time_cost=hashing.time_cost, memory_cost=hashing.memory_kib, parallelism=1)


def needs_rehash(hashing: PasswordHashing, password_hash: str) -> bool:
    """Whether a hash was made with other parameters than today's (it is replaced at the next login)."""
    return bool(_hasher(hashing).check_needs_rehash(password_hash))


@functools.lru_cache(maxsize=4)
def _decoy(hashing: PasswordHashing) -> str:
    return hashing.hash("not anybody's password")


def verify_password(hashing: PasswordHashing, password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash (unknown user, no password set) pay the same Argon2 round, so
    that the time an answer takes does not tell whether the email is known."""
    if password_hash is None:
        hashing.verify(_decoy(hashing), password)
        return False
    return hashing.verify(password_hash, password)


def find_user_by_email(uow: UnitOfWork, email: str) -> User | None:
    return uow.session.scalar(select(User).where(User.email_key == email_key(email)))


def password_hash_of(uow: UnitOfWork, user_id: uuid.UUID) -> str | None:
    return uow.session.scalar(select(User.password_hash).where(User.id == user_id))


def _require_unchanged(user: User, verified_hash: str | None) -> None:
    """The hash checked off the loop must still be the user's: a change in between wins."""
    if user.password_hash is None or user.password_hash != verified_hash:
        raise Conflict("the password was changed meanwhile; try again", field="current_password")


def _store(uow: UnitOfWork, *, user: User, password_hash: str, now: datetime, keep_session: uuid.UUID | None) -> None:
    user.password_hash = password_hash
    if keep_session is None:
        user.sessions_valid_after = now
    ending = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
    if keep_session is not None:
        ending = ending.where(LoginSession.id != keep_session)
    uow.session.execute(ending.values(revoked_at=now))


def _tell(uow: UnitOfWork, *, user: User, now: datetime) -> None:
    """A password changed: say so to the address on file, so that a change nobody asked for is noticed."""
    if user.email is None:
        return
    tenant = get_tenant(uow)
    queue_message(uow, channel="email", recipient=user.email, language=user.language, template="password_changed",
                  params={"name": user.name or "", "tenant": tenant_name(tenant)}, now=now)


def change_password(uow: UnitOfWork, *, actor: Principal, verified_hash: str, new_hash: str, now: datetime) -> None:
    """A logged-in user sets a new password (the current one checked off the loop): every other
    session of theirs ends, the one making the change goes on."""
    user = uow.session.get(User, actor.user_id)
    if user is None:
        raise Conflict("the user no longer exists")
    _require_unchanged(user, verified_hash)
    _store(uow, user=user, password_hash=new_hash, now=now, keep_session=actor.login_session_id)
    record(uow, actor=actor, action="user.password_change", object_type="user", object_id=user.id, at=now)
    _tell(uow, user=user, now=now)


def request_password_reset(uow: UnitOfWork, *, email: str, now: datetime, base_url: str) -> None:
    """Mail a reset link if the address belongs to a user who may log in; otherwise do nothing. The
    caller answers the same either way."""
    user = find_user_by_email(uow, email)
    if user is None or user.status == "disabled" or user.email is None:
        return
    send_link(uow, user=user, tenant=get_tenant(uow), purpose=RESET_PASSWORD, now=now, base_url=base_url)


def complete_password_reset(uow: UnitOfWork, *, secret: str, new_hash: str, now: datetime,
                            source_address: str | None) -> None:
    """Set the password from a reset link: the link is spent, every session ends, and a user who
    had not verified the address yet is verified by this (the link reached the inbox)."""
    user = consume_link(uow, secret=secret, purpose=RESET_PASSWORD, now=now)
    _store(uow, user=user, password_hash=new_hash, now=now, keep_session=None)
    if user.status == "pending":
        user.status = "active"
        user.email_verified_at = now
    actor = principal_for_user(uow, user, source_address=source_address)
    record(uow, actor=actor, action="user.password_reset", object_type="user", object_id=user.id, at=now)
    _tell(uow, user=user, now=now)
