"""Opening, changing and closing accounts as a caller does it: the account rules plus the audit log,
and the refusal to close an account that still holds anything."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select, update

from chargeplane.db import UnitOfWork
from chargeplane.db.base import AccountScoped
from chargeplane.domain.access.models import AccessGrant, CustomerGroup
from chargeplane.domain.assets.models import ChargePoint, Site
from chargeplane.domain.audit.models import AuditEntry
from chargeplane.domain.audit.service import changed, record
from chargeplane.domain.errors import Conflict
from chargeplane.domain.identity.models import Invitation, Membership
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.sessions.models import ChargingSession
from chargeplane.domain.tenancy.accounts import account_settings, apply_settings, create_account, get_account
from chargeplane.domain.tenancy.models import Account, ApiKey
from chargeplane.domain.tokens.models import IdToken

# What keeps an account from being closed, in the order a caller would clear it.
_HOLDINGS: tuple[tuple[type[AccountScoped], str], ...] = (
    (ChargePoint, "charge points"),
    (Site, "sites"),
    (IdToken, "cards"),
    (Membership, "members"),
    (CustomerGroup, "customer groups"),
    (AccessGrant, "access grants"),
    (ChargingSession, "charging sessions, kept for billing"),
)


def open_account(uow: UnitOfWork, *, fields: Mapping[str, Any], actor: Principal | None, now: datetime) -> Account:
    account = create_account(uow, **fields)
    # Logged under the parent: a narrowed caller's scope holds the parent, not the new account yet.
    record(uow, actor=actor, action="account.create", object_type="account", object_id=account.id, at=now,
           account_id=account.parent_id, after=account_settings(account))
    return account


def update_account(uow: UnitOfWork, *, account_id: uuid.UUID, changes: Mapping[str, Any],
                   actor: Principal | None, now: datetime) -> Account:
    account = get_account(uow, account_id)
    before = account_settings(account)
    apply_settings(account, changes)
    old, new = changed(before, account_settings(account))
    if new:
        record(uow, actor=actor, action="account.update", object_type="account", object_id=account.id, at=now,
               account_id=account.id, before=old, after=new)
    uow.session.flush()
    return account


def close_account(uow: UnitOfWork, *, account_id: uuid.UUID, actor: Principal | None, now: datetime) -> None:
    """Delete an empty account. Its API keys and open invitations go with it; its history stays in the
    audit log as the tenant's."""
    account = get_account(uow, account_id)
    if uow.session.scalar(select(exists().where(Account.parent_id == account.id))):
        raise Conflict("the account has sub-accounts: close or move them first")
    for model, what in _HOLDINGS:
        if uow.session.scalar(select(exists().where(model.account_id == account.id))):
            raise Conflict("the account still has %(what)s: remove them first", what=what)
    uow.session.execute(delete(Invitation).where(Invitation.account_id == account.id))
    uow.session.execute(delete(ApiKey).where(ApiKey.account_id == account.id))
    uow.session.execute(update(AuditEntry).where(AuditEntry.account_id == account.id).values(account_id=None))
    record(uow, actor=actor, action="account.delete", object_type="account", object_id=account.id, at=now,
           account_id=account.parent_id, before=account_settings(account))
    uow.session.delete(account)
    uow.session.flush()
