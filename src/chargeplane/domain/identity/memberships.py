"""Memberships: the roles a user holds, tenant-wide or in one account. Every change is audited."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, func, select

from chargeplane.db import UnitOfWork
from chargeplane.db.base import utcnow
from chargeplane.domain.audit.service import record
from chargeplane.domain.errors import Conflict, Forbidden, Invalid, NotFound
from chargeplane.domain.identity.models import Membership, User
from chargeplane.domain.identity.permissions import ACCOUNT_ROLES, TENANT_ROLES, Role, assignable_roles
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.tenancy.accounts import get_account
from chargeplane.domain.tenancy.tree import subtree


def add_membership(uow: UnitOfWork, *, user_id: uuid.UUID, role: Role, account_id: uuid.UUID | None,
                   granted_by: Principal | None, now: datetime | None = None) -> Membership:
    """Give a user a role. With `granted_by`, the grantor must be allowed to hand out that role in
    that account, and never to itself; without it (an invitation accepted) the caller has checked."""
    role = Role(role)
    check_role_shape(role, account_id)
    if granted_by is not None:
        check_may_assign(uow, granted_by, role=role, account_id=account_id, user_id=user_id)
    if account_id is not None:
        get_account(uow, account_id, field="account_id")
    if uow.session.scalar(select(User.id).where(User.id == user_id)) is None:
        raise NotFound("user not found")
    existing = select(Membership.id).where(Membership.user_id == user_id, Membership.role == role.value,
                                           _same_account(account_id))
    if uow.session.scalar(existing) is not None:
        raise Conflict("the user already has the role %(role)s there", field="role", role=role.value)
    membership = Membership(user_id=user_id, role=role.value, account_id=account_id,
                            created_at=now or utcnow())
    uow.session.add(membership)
    uow.session.flush()
    record(uow, actor=granted_by, action="membership.create", object_type="membership", object_id=membership.id,
           at=membership.created_at, account_id=account_id,
           after={"user_id": user_id, "role": role.value, "account_id": account_id})
    return membership


def remove_membership(uow: UnitOfWork, *, user_id: uuid.UUID, membership_id: uuid.UUID, removed_by: Principal,
                      now: datetime) -> None:
    """Take a role away. Nobody removes their own roles, and a tenant keeps at least one admin."""
    membership = uow.session.scalar(select(Membership).where(Membership.id == membership_id,
                                                             Membership.user_id == user_id))
    if membership is None:
        raise NotFound("membership not found")
    role = Role(membership.role)
    check_may_assign(uow, removed_by, role=role, account_id=membership.account_id, user_id=user_id)
    if role is Role.TENANT_ADMIN and membership.account_id is None and count_tenant_admins(uow) <= 1:
        raise Conflict("this is the tenant's last tenant admin: make someone else tenant admin first", field="role")
    record(uow, actor=removed_by, action="membership.delete", object_type="membership", object_id=membership.id,
           at=now, account_id=membership.account_id,
           before={"user_id": user_id, "role": role.value, "account_id": membership.account_id})
    uow.session.delete(membership)
    uow.session.flush()


def list_memberships(uow: UnitOfWork, *, user_id: uuid.UUID) -> list[Membership]:
    """The user's memberships the scope sees (an account admin sees those in its accounts)."""
    query = select(Membership).where(Membership.user_id == user_id).order_by(Membership.created_at, Membership.id)
    return list(uow.session.scalars(query))


def check_role_shape(role: Role, account_id: uuid.UUID | None) -> None:
    if role in TENANT_ROLES and account_id is not None:
        raise Invalid("%(role)s is a tenant-wide role: give no account_id", field="account_id", role=role.value)
    if role in ACCOUNT_ROLES and account_id is None:
        raise Invalid("%(role)s is a role in an account: give account_id", field="account_id", role=role.value)


def check_may_assign(uow: UnitOfWork, principal: Principal, *, role: Role, account_id: uuid.UUID | None,
                     user_id: uuid.UUID | None) -> None:
    """Whether `principal` may grant or take away `role` in `account_id` (to a user, or to an API key when
    `user_id` is None): a role it may assign, in an account it administers, and never its own."""
    if user_id is not None and principal.user_id == user_id:
        raise Forbidden("you cannot change your own roles: ask another admin")
    if role not in assignable_roles(principal.roles):
        raise Forbidden("your role does not allow granting %(role)s", role=role.value)
    if principal.tenant_wide:
        return
    if account_id is None or account_id not in subtree(uow, principal.accounts_with(Role.ACCOUNT_ADMIN)):
        raise Forbidden("you may grant roles only in the accounts you administer")


def count_tenant_admins(uow: UnitOfWork) -> int:
    """Active users holding tenant_admin: a tenant must keep at least one."""
    query = select(func.count()).select_from(Membership).join(User, User.id == Membership.user_id).where(
        Membership.role == Role.TENANT_ADMIN.value, Membership.account_id.is_(None), User.status == "active")
    return int(uow.session.scalar(query) or 0)


def tenant_admin_emails(uow: UnitOfWork) -> list[str]:
    """Where the tenant's operational mail goes when nobody else is named (alarms)."""
    query = select(User.email).join(Membership, Membership.user_id == User.id).where(
        Membership.role == Role.TENANT_ADMIN.value, Membership.account_id.is_(None), User.status == "active",
        User.email.is_not(None)).order_by(User.email)
    return [email for email in uow.session.scalars(query).unique() if email]


def _same_account(account_id: uuid.UUID | None) -> ColumnElement[bool]:
    return Membership.account_id.is_(None) if account_id is None else Membership.account_id == account_id
