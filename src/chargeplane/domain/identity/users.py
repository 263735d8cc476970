"""Users as admins see and manage them. Tenant staff see every user of the tenant; an account admin
sees the users with a membership in its accounts (the gate narrows memberships), and changes a user
only if every place the user belongs to is one it administers."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from chargeplane.db import UnitOfWork
from chargeplane.domain.audit.service import changed, record
from chargeplane.domain.errors import Conflict, Forbidden, NotFound
from chargeplane.domain.identity.contact import check_language, check_time_zone, normalize_mobile
from chargeplane.domain.identity.logins import revoke_all_login_sessions
from chargeplane.domain.identity.memberships import count_tenant_admins
from chargeplane.domain.identity.models import Membership, User
from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.identity.schemas import MembershipRead, UserRead
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.tenancy.service import get_tenant

PROFILE = ("name", "language", "time_zone", "mobile", "status")


def _visible() -> ColumnElement[bool]:
    # The gate narrows the memberships in this subquery to the scope's accounts.
    return User.id.in_(select(Membership.user_id).scalar_subquery())


def _query(uow: UnitOfWork) -> Select[tuple[User]]:
    query = select(User)
    return query if uow.scope.accounts is None else query.where(_visible())


def list_users(uow: UnitOfWork, *, account_id: uuid.UUID | None, limit: int,
               after: tuple[datetime, uuid.UUID] | None = None, search: str | None = None,
               role: Role | None = None) -> list[User]:
    """Newest first; `account_id` keeps the users with a membership in that account, `search` those
    whose name or email contains it (any case), `role` those holding it (where the scope sees)."""
    query = _query(uow)
    if account_id is not None:
        query = query.where(User.id.in_(select(Membership.user_id).where(Membership.account_id == account_id)
                                        .scalar_subquery()))
    if search and search.strip():
        text = search.strip().lower()
        query = query.where(func.lower(User.name).contains(text, autoescape=True)
                            | User.email_key.contains(text, autoescape=True))
    if role is not None:
        query = query.where(User.id.in_(select(Membership.user_id).where(Membership.role == Role(role).value)
                                        .scalar_subquery()))
    return list(uow.session.scalars(newest_first(query, User, after=after, limit=limit)))


def get_user(uow: UnitOfWork, user_id: uuid.UUID) -> User:
    user = uow.session.scalar(_query(uow).where(User.id == user_id))
    if user is None:
        raise NotFound("user not found")
    return user


def describe_users(uow: UnitOfWork, users: list[User]) -> list[UserRead]:
    """The users with the memberships the scope sees, in one query."""
    held: dict[uuid.UUID, list[MembershipRead]] = defaultdict(list)
    rows = uow.session.scalars(select(Membership).where(Membership.user_id.in_([u.id for u in users]))
                               .order_by(Membership.created_at, Membership.id))
    for membership in rows:
        held[membership.user_id].append(MembershipRead.model_validate(membership))
    return [UserRead(id=u.id, email=u.email, mobile=u.mobile, name=u.name, language=u.language,
                     time_zone=u.time_zone, status=u.status, email_verified_at=u.email_verified_at,
                     totp_enabled=u.totp_enabled_at is not None, memberships=held[u.id], created_at=u.created_at,
                     updated_at=u.updated_at) for u in users]


def update_user(uow: UnitOfWork, *, user_id: uuid.UUID, changes: Mapping[str, Any], actor: Principal,
                now: datetime) -> User:
    user = get_user(uow, user_id)
    audit_account = _check_may_manage(uow, actor, user)
    before = _profile(user)
    apply_profile(uow, user, changes)
    if "status" in changes:
        _change_status(uow, actor, user, changes["status"], now)
    old, new = changed(before, _profile(user))
    if new:
        user.updated_at = now
        record(uow, actor=actor, action="user.update", object_type="user", object_id=user.id, at=now,
               account_id=audit_account, before=old, after=new)
    uow.session.flush()
    return user


def _profile(user: User) -> dict[str, Any]:
    return {name: getattr(user, name) for name in PROFILE}


def apply_profile(uow: UnitOfWork, user: User, changes: Mapping[str, Any]) -> None:
    """Set the profile settings given (name, language of the tenant's, IANA time zone, E.164 mobile
    unique in the tenant), checked; the caller audits."""
    if "name" in changes:
        user.name = (changes["name"] or "").strip() or None
    if changes.get("language") is not None:
        user.language = check_language(get_tenant(uow), changes["language"])
    if changes.get("time_zone") is not None:
        user.time_zone = check_time_zone(changes["time_zone"])
    if "mobile" in changes:
        mobile = normalize_mobile(changes["mobile"]) if changes["mobile"] else None
        # Users are not narrowed to accounts: this sees every user of the tenant.
        taken = select(User.id).where(User.mobile == mobile, User.id != user.id)
        if mobile is not None and uow.session.scalar(taken) is not None:
            raise Conflict("another user has this mobile number", field="mobile")
        user.mobile = mobile


def _change_status(uow: UnitOfWork, actor: Principal, user: User, status: str | None, now: datetime) -> None:
    if status is None or status == user.status:
        return
    if actor.user_id == user.id:
        raise Forbidden("you cannot change your own status")
    if status == "disabled":
        if _is_tenant_admin(uow, user.id) and count_tenant_admins(uow) <= 1:
            raise Conflict("this is the tenant's last active tenant admin: it cannot be disabled", field="status")
        user.status = "disabled"
        revoke_all_login_sessions(uow, user_id=user.id, now=now)
        return
    if user.email is not None and user.email_verified_at is None:
        raise Conflict("the user has not verified their email address yet: they become active by doing so",
                       field="status")
    user.status = "active"


def _is_tenant_admin(uow: UnitOfWork, user_id: uuid.UUID) -> bool:
    with uow.widened():
        found = uow.session.scalar(select(Membership.id).where(
            Membership.user_id == user_id, Membership.role == Role.TENANT_ADMIN.value,
            Membership.account_id.is_(None)))
    return found is not None


def _check_may_manage(uow: UnitOfWork, actor: Principal, user: User) -> uuid.UUID | None:
    """Tenant admins manage anyone; support anyone without a tenant role. An account admin manages only
    users who belong nowhere but its accounts: nobody may lock out, or take over the phone number of,
    someone with wider powers. Returns the account the audit entry is filed under."""
    with uow.widened():
        places = set(uow.session.scalars(select(Membership.account_id).where(Membership.user_id == user.id)))
    if None in places and Role.TENANT_ADMIN not in actor.roles:
        raise Forbidden("only a tenant admin changes a user with a tenant-wide role")
    if uow.scope.accounts is None:
        return None
    if not places <= uow.scope.accounts:
        raise Forbidden("the user also belongs to accounts or roles you do not administer")
    return min(place for place in places if place is not None)
