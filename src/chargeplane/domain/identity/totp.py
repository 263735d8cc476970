"""A second factor: time-based one-time codes (RFC 6238, 30-second steps, six digits).

Tenant staff are expected to use it (`totp_required`); any user may. Setting up stores a new
secret that only counts once a code from it has been shown (enable). A code is accepted for the
step before, the current and the next one (clock drift), and never twice: the last accepted step
is stored and older steps are refused from then on."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import pyotp
from sqlalchemy import CursorResult, or_, update

from chargeplane.db import UnitOfWork
from chargeplane.domain.audit.service import record
from chargeplane.domain.errors import Conflict, Invalid
from chargeplane.domain.identity.models import User
from chargeplane.domain.identity.onetime import tenant_name
from chargeplane.domain.identity.permissions import STAFF_ROLES
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.tenancy.service import get_tenant

STEP_SECONDS = 30
DRIFT_STEPS = 1


def totp_required(roles: Iterable[str]) -> bool:
    """Staff should have a second factor; they may still log in without one, and the portal asks
    them to set it up (locking them out would leave a tenant without its admins)."""
    return any(role in STAFF_ROLES for role in roles)


def _matching_step(secret: str, code: str, now: datetime, after: int | None) -> int | None:
    code = code.replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def accept_code(uow: UnitOfWork, *, user: User, code: str, now: datetime) -> bool:
    """Whether `code` is good now and unused; if so, it is used up. The conditional update keeps a
    code single-use even when two logins present it at the same moment."""
    if user.totp_secret is None:
        return False
    step = _matching_step(user.totp_secret, code, now, user.totp_last_step)
    if step is None:
        return False
    taken = uow.session.execute(update(User)
                                .where(User.id == user.id,
                                       or_(User.totp_last_step.is_(None), User.totp_last_step < step))
                                .values(totp_last_step=step)
                                .execution_options(synchronize_session="fetch"))
    return cast("CursorResult[Any]", taken).rowcount == 1


@dataclass(frozen=True, slots=True)
class TotpSetup:
    secret: str
    otpauth_uri: str


def start_totp_setup(uow: UnitOfWork, *, user: User) -> TotpSetup:
    if user.totp_enabled_at is not None:
        raise Conflict("the second factor is already on; turn it off first to set up a new one", field="totp")
    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = None
    issuer = tenant_name(get_tenant(uow))
    uri = pyotp.TOTP(user.totp_secret, interval=STEP_SECONDS).provisioning_uri(
        name=user.email or user.mobile or str(user.id), issuer_name=issuer)
    return TotpSetup(user.totp_secret, uri)


def enable_totp(uow: UnitOfWork, *, actor: Principal, user: User, code: str, now: datetime) -> None:
    if user.totp_enabled_at is not None:
        raise Conflict("the second factor is already on", field="totp")
    if user.totp_secret is None:
        raise Conflict("set up the second factor first (POST /auth/totp/setup)", field="totp")
    if not accept_code(uow, user=user, code=code, now=now):
        raise Invalid("the code is not valid; enter the current code from the authenticator app", field="code")
    user.totp_enabled_at = now
    record(uow, actor=actor, action="user.totp_enable", object_type="user", object_id=user.id, at=now)


def disable_totp(uow: UnitOfWork, *, actor: Principal, user: User, code: str | None, password_verified: bool,
                 now: datetime) -> None:
    """Turn the second factor off, proven by a current code or by the password (checked by the caller)."""
    if user.totp_enabled_at is None:
        raise Conflict("the second factor is not on", field="totp")
    if not password_verified and not (code and accept_code(uow, user=user, code=code, now=now)):
        raise Invalid("a current code or the password is required to turn the second factor off", field="code")
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    record(uow, actor=actor, action="user.totp_disable", object_type="user", object_id=user.id, at=now)
