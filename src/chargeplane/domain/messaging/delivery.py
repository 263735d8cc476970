"""Delivering the outbox: which messages are due, and what became of each attempt.

The transports (an SMTP mailer, an SMS provider) are interfaces the app wires up; this module never
touches the network. The delivery job runs these functions with an installation scope: it sends
every tenant's messages.

A message is *claimed* before it is sent: its next attempt moves a lease into the future, so another
process (or this one, after a crash) picks it up again only once the lease ran out. On PostgreSQL the
claim also skips rows another worker holds locked.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select

from chargeplane.db import UnitOfWork
from chargeplane.domain.messaging.attachments import Attachment, from_json
from chargeplane.domain.messaging.models import OutboxMessage
from chargeplane.domain.tenancy.models import Tenant

MAX_BACKOFF = timedelta(hours=1)
ERROR_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A claimed message, detached from the database: what a transport needs to send it."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    tenant_name: str  # the sender's display name: messages go out in the tenant's name
    channel: str
    recipient: str
    subject: str | None
    body: str
    attempt: int  # 1 for the first
    attachments: tuple[Attachment, ...] = ()


class DeliveryFailed(Exception):
    """A transport could not deliver. `permanent` failures (a refused recipient) are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Mailer(Protocol):
    async def send_email(self, *, recipient: str, subject: str, body: str, sender_name: str,
                         attachments: Sequence[Attachment] = ()) -> None:
        """Hand one plain-text email (with its files) to the mail system; raise `DeliveryFailed` when it
        refuses."""
        ...


class SmsProvider(Protocol):
    async def send_sms(self, *, recipient: str, body: str) -> None:
        """Hand one SMS to the provider (recipient in E.164); raise `DeliveryFailed` when it refuses."""
        ...


def claim_due(uow: UnitOfWork, *, now: datetime, lease: timedelta, limit: int) -> list[Outgoing]:
    """Pending messages whose time has come, oldest due first, leased to the caller."""
    query = (
        select(OutboxMessage, Tenant.display_name, Tenant.name)
        .join(Tenant, Tenant.id == OutboxMessage.tenant_id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(of=OutboxMessage, skip_locked=True)
    )
    claimed: list[Outgoing] = []
    for message, display_name, name in uow.session.execute(query).all():
        message.attempts += 1
        message.next_attempt_at = now + lease
        claimed.append(Outgoing(
            id=message.id, tenant_id=message.tenant_id, tenant_name=display_name or name, channel=message.channel,
            recipient=message.recipient, subject=message.subject, body=message.body, attempt=message.attempts,
            attachments=from_json(message.attachments),
        ))
    uow.session.flush()
    return claimed


def next_due_at(uow: UnitOfWork) -> datetime | None:
    """When the earliest pending message falls due (None when nothing is pending)."""
    found: datetime | None = uow.session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(OutboxMessage.status == "pending"))
    return found


def _message(uow: UnitOfWork, message_id: uuid.UUID) -> OutboxMessage | None:
    return uow.session.get(OutboxMessage, message_id)


def record_sent(uow: UnitOfWork, *, message_id: uuid.UUID, now: datetime) -> None:
    message = _message(uow, message_id)
    if message is None:
        return  # its tenant was deleted meanwhile
    message.status, message.sent_at, message.next_attempt_at, message.last_error = "sent", now, None, None


def record_held(uow: UnitOfWork, *, message_id: uuid.UUID) -> None:
    """No transport is configured for the channel: the message stays in the outbox (and the log)."""
    message = _message(uow, message_id)
    if message is None:
        return
    message.status, message.next_attempt_at = "held", None


def backoff(attempt: int, *, base_seconds: float) -> timedelta:
    """How long to wait after the `attempt`-th failure: doubling from `base_seconds`, at most an hour."""
    return min(timedelta(seconds=base_seconds * 2 ** min(attempt - 1, 20)), MAX_BACKOFF)


def record_failure(uow: UnitOfWork, *, message_id: uuid.UUID, error: str, permanent: bool, now: datetime,
                   max_attempts: int, retry_seconds: float) -> str:
    """Retry later, or give up (`failed`) after `max_attempts` or a permanent refusal. Returns the new
    status. `error` must hold no secret: it is shown to tenant admins."""
    message = _message(uow, message_id)
    if message is None:
        return "gone"
    message.last_error = error[:ERROR_LENGTH]
    if permanent or message.attempts >= max_attempts:
        message.status, message.next_attempt_at = "failed", None
    else:
        message.next_attempt_at = now + backoff(message.attempts, base_seconds=retry_seconds)
    return message.status
