"""Reading the outbox for tenant admins."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from chargeplane.db import UnitOfWork
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.messaging.models import OutboxMessage


@dataclass(frozen=True, slots=True)
class OutboxFilter:
    recipient: str | None = None  # exact, any case
    channel: str | None = None
    status: str | None = None
    template: str | None = None


def list_messages(uow: UnitOfWork, *, where: OutboxFilter, limit: int,
                  after: tuple[datetime, uuid.UUID] | None = None) -> list[OutboxMessage]:
    """Newest first, keyset-paginated over (created_at, id)."""
    q = select(OutboxMessage)
    if where.recipient is not None:
        q = q.where(func.lower(OutboxMessage.recipient) == where.recipient.strip().lower())
    if where.channel is not None:
        q = q.where(OutboxMessage.channel == where.channel)
    if where.status is not None:
        q = q.where(OutboxMessage.status == where.status)
    if where.template is not None:
        q = q.where(OutboxMessage.template == where.template)
    q = newest_first(q, OutboxMessage, after=after, limit=limit)
    return list(uow.session.scalars(q))
