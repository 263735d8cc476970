"""API keys as callers manage them: issued with a role the caller may hand out, in an account the
caller administers, listed without their secrets, revoked at once. Every change is audited."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.audit.service import record
from chargeplane.domain.errors import NotFound
from chargeplane.domain.identity.memberships import check_may_assign, check_role_shape
from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.tenancy.accounts import get_account
from chargeplane.domain.tenancy.models import ApiKey
from chargeplane.domain.tenancy.service import IssuedKey, issue_api_key


def create_api_key(uow: UnitOfWork, *, name: str, role: Role, account_id: uuid.UUID | None, actor: Principal,
                   now: datetime) -> IssuedKey:
    check_role_shape(role, account_id)
    check_may_assign(uow, actor, role=role, account_id=account_id, user_id=None)
    if account_id is not None:
        get_account(uow, account_id, field="account_id")
    issued = issue_api_key(uow, tenant_id=uow.tenant_id, name=name, role=role, account_id=account_id,
                           created_by_key_id=actor.id if actor.kind == "api_key" else None,
                           created_by_user_id=actor.user_id)
    issued.key.created_at = now
    record(uow, actor=actor, action="api_key.create", object_type="api_key", object_id=issued.key.id, at=now,
           account_id=account_id, after=_settings(issued.key))
    uow.session.flush()
    return issued


def list_api_keys(uow: UnitOfWork, *, limit: int, after: tuple[datetime, uuid.UUID] | None = None) -> list[ApiKey]:
    """The keys the scope sees (an account admin: its accounts'), newest first."""
    query = select(ApiKey)
    return list(uow.session.scalars(newest_first(query, ApiKey, after=after, limit=limit)))


def revoke_api_key(uow: UnitOfWork, *, key_id: uuid.UUID, actor: Principal, now: datetime) -> ApiKey:
    """The key stops working with the next request; revoking twice changes nothing."""
    key = uow.session.scalar(select(ApiKey).where(ApiKey.id == key_id))
    if key is None:
        raise NotFound("API key not found")
    if key.revoked_at is None:
        key.revoked_at = now
        record(uow, actor=actor, action="api_key.revoke", object_type="api_key", object_id=key.id, at=now,
               account_id=key.account_id, before=_settings(key) | {"revoked_at": None},
               after={"revoked_at": now})
        uow.session.flush()
    return key


def _settings(key: ApiKey) -> dict[str, object]:
    return {"name": key.name, "role": key.role, "account_id": key.account_id, "prefix": key.prefix}
