"""Reading the audit log: newest first, filtered, a page at a time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.audit.models import AuditEntry
from chargeplane.domain.keyset import newest_first


@dataclass(frozen=True, slots=True)
class AuditFilter:
    object_type: str | None = None
    object_id: str | None = None
    actor_id: uuid.UUID | None = None
    action: str | None = None
    occurred_from: datetime | None = None  # inclusive
    occurred_to: datetime | None = None  # exclusive


def list_audit_entries(uow: UnitOfWork, *, where: AuditFilter, limit: int,
                       after: tuple[datetime, int] | None = None) -> list[AuditEntry]:
    """`after` is the (occurred_at, id) of the last entry of the previous page."""
    query = select(AuditEntry)
    if where.object_type is not None:
        query = query.where(AuditEntry.object_type == where.object_type)
    if where.object_id is not None:
        query = query.where(AuditEntry.object_id == where.object_id)
    if where.actor_id is not None:
        query = query.where(AuditEntry.actor_id == where.actor_id)
    if where.action is not None:
        query = query.where(AuditEntry.action == where.action)
    if where.occurred_from is not None:
        query = query.where(AuditEntry.occurred_at >= where.occurred_from)
    if where.occurred_to is not None:
        query = query.where(AuditEntry.occurred_at < where.occurred_to)
    query = newest_first(query, AuditEntry, after=after, limit=limit, by="occurred_at")
    return list(uow.session.scalars(query))
