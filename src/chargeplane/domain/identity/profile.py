"""The logged-in user's own view of themselves (`/auth/me`) and the settings they change alone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from chargeplane.db import UnitOfWork
from chargeplane.domain.audit.service import changed, record
from chargeplane.domain.identity.auth_schemas import Me, MembershipBrief, TotpStatus
from chargeplane.domain.identity.models import Membership, TermsAcceptance, User
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.identity.totp import totp_required
from chargeplane.domain.identity.users import apply_profile
from chargeplane.domain.tenancy.models import Account
from chargeplane.domain.tenancy.schemas import TenantBrand
from chargeplane.domain.tenancy.service import get_tenant


def describe_me(uow: UnitOfWork, *, user: User, csrf_token: str | None = None) -> Me:
    rows = uow.session.execute(select(Membership.role, Membership.account_id, Account.name)
                               .outerjoin(Account, Account.id == Membership.account_id)
                               .where(Membership.user_id == user.id)
                               .order_by(Membership.created_at, Membership.id)).all()
    accepted = uow.session.scalar(select(func.max(TermsAcceptance.terms_version))
                                  .where(TermsAcceptance.user_id == user.id))
    return Me(id=user.id, email=user.email, mobile=user.mobile, name=user.name, language=user.language,
              time_zone=user.time_zone, status=user.status, email_verified_at=user.email_verified_at,
              created_at=user.created_at,
              memberships=[MembershipBrief(role=role, account_id=account_id, account_name=account_name)
                           for role, account_id, account_name in rows],
              tenant=TenantBrand.model_validate(get_tenant(uow)),
              totp=TotpStatus(enabled=user.totp_enabled_at is not None,
                              required=totp_required(role for role, _, _ in rows)),
              terms_version_accepted=accepted, csrf_token=csrf_token)


def _settings(user: User) -> dict[str, Any]:
    return {"name": user.name, "language": user.language, "time_zone": user.time_zone, "mobile": user.mobile}


def update_me(uow: UnitOfWork, *, actor: Principal, user: User, changes: dict[str, Any], now: datetime) -> User:
    """Change one's own name, language (one of the tenant's), time zone (IANA) or mobile (E.164, unique)."""
    before = _settings(user)
    apply_profile(uow, user, changes)
    old, new = changed(before, _settings(user))
    if new:
        user.updated_at = now
        record(uow, actor=actor, action="user.update", object_type="user", object_id=user.id, at=now,
               before=old, after=new)
    return user
