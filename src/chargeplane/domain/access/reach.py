"""What a caller may point at when making cards and groups: users to hand them to, accounts to put them in."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import Invalid
from chargeplane.domain.identity.contact import email_key
from chargeplane.domain.identity.models import Membership, User
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.tenancy.models import Account


def user_in_reach(uow: UnitOfWork, user_id: uuid.UUID, *, field: str = "user_id",
                  within: Collection[uuid.UUID] | None = None) -> User:
    """A user of the tenant who, for a caller narrowed to some accounts, holds a membership in them
    (the gate narrows memberships to the caller's accounts); `within` narrows further, to a group's
    account tree. Anything else is answered as if the user did not exist."""
    user = uow.session.get(User, user_id)
    if user is None:
        raise Invalid("%(field)s names no user of yours", field=field)
    if uow.scope.accounts is None and within is None:
        return user
    query = select(Membership.id).where(Membership.user_id == user_id)
    if within is not None:
        query = query.where(Membership.account_id.in_(sorted(within)))
    if uow.session.scalar(query.limit(1)) is None:
        raise Invalid("%(field)s names no user of yours", field=field)
    return user


def user_by_email_in_reach(uow: UnitOfWork, email: str, *, field: str = "user_email",
                           within: Collection[uuid.UUID] | None = None) -> User:
    """`user_in_reach` for a user named by their email address (as people name each other in forms and files)."""
    user_id = uow.session.scalar(select(User.id).where(User.email_key == email_key(email)))
    if user_id is None:
        raise Invalid("no user of yours has this email", field=field)
    return user_in_reach(uow, user_id, field=field, within=within)


def account_in_reach(uow: UnitOfWork, account_id: uuid.UUID | None, *, actor: Principal | None,
                     required: bool = False, field: str = "account_id") -> uuid.UUID | None:
    """The account a new card or group belongs to: one the caller manages (the gate hides the others).
    Left out, it is the caller's own account when they have exactly one; only tenant-wide callers
    may leave things to the tenant itself (no account), unless `required`."""
    if account_id is None and actor is not None:
        own = {account for _, account in actor.memberships if account is not None}
        if len(own) == 1 and (uow.scope.accounts is not None or required):
            account_id = own.pop()
    if account_id is None:
        if uow.scope.accounts is not None or required:
            raise Invalid("%(field)s is required: name the account it belongs to", field=field)
        return None
    if uow.session.get(Account, account_id) is None:
        raise Invalid("%(field)s names no account of yours", field=field)
    return account_id
