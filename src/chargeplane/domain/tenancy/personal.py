"""A person's own account: how someone who signed up as a driver becomes the owner of their charger.

A signed-up user holds only the driver role, in no account; chargers, sites and cards belong to
accounts. Opening a personal account gives them one (kind "consumer", named after them) with
themselves as its account admin, so they can register a charger, share it and see its sessions.
A person has at most one: asking again answers the one they have.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import NotFound
from chargeplane.domain.identity.memberships import add_membership
from chargeplane.domain.identity.models import Membership, User
from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.tenancy.account_changes import open_account
from chargeplane.domain.tenancy.models import Account

PERSONAL_KIND = "consumer"
_NAME_LIMIT = 200


def personal_account_of(uow: UnitOfWork, *, user_id: uuid.UUID) -> Account | None:
    """The user's personal account: a top-level consumer account they administer (the oldest, should
    staff have made more)."""
    return uow.session.scalar(
        select(Account).join(Membership, Membership.account_id == Account.id)
        .where(Membership.user_id == user_id, Membership.role == Role.ACCOUNT_ADMIN.value,
               Account.kind == PERSONAL_KIND, Account.parent_id.is_(None))
        .order_by(Account.created_at, Account.id).limit(1))


def open_personal_account(uow: UnitOfWork, *, user_id: uuid.UUID, actor: Principal | None,
                          now: datetime) -> Account:
    """The user's personal account, opened (and audited, with the membership) if they have none yet."""
    existing = personal_account_of(uow, user_id=user_id)
    if existing is not None:
        return existing
    user = uow.session.get(User, user_id)
    if user is None:
        raise NotFound("user not found")
    name = (user.name or user.email or user.mobile or str(user.id))[:_NAME_LIMIT]
    account = open_account(uow, fields={"name": name, "kind": PERSONAL_KIND}, actor=actor, now=now)
    # Granted by nobody: a person may not hand themselves roles, but this role comes with opening the account.
    add_membership(uow, user_id=user_id, role=Role.ACCOUNT_ADMIN, account_id=account.id, granted_by=None, now=now)
    return account
