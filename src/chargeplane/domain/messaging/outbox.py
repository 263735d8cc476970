"""Queueing a message: rendered now, in the unit of work of what caused it, delivered after the commit.

The row commits with its cause (an invitation, a sign-up), so a message is never sent for something
that rolled back, and never lost for something that committed. The `MessageQueued` event wakes the
delivery job once the commit succeeded.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from chargeplane.db import UnitOfWork
from chargeplane.db.base import new_id
from chargeplane.domain.messaging.models import OutboxMessage
from chargeplane.domain.messaging.templates import render
from chargeplane.domain.tenancy.models import Tenant

CHANNELS = frozenset({"email", "sms"})


@dataclass(frozen=True, slots=True)
class MessageQueued:
    tenant_id: uuid.UUID
    message_id: uuid.UUID


def queue_message(uow: UnitOfWork, *, channel: str, recipient: str, language: str, template: str,
                  params: dict[str, str], now: datetime) -> OutboxMessage:
    """Render `template` in `language` (else the tenant's default, else English) and queue it for
    `recipient` (an email address, or an E.164 mobile number for "sms")."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    recipient = recipient.strip()
    if not recipient:
        raise ValueError("a message needs a recipient")
    tenant = uow.session.get(Tenant, uow.tenant_id)
    params = dict(params)
    if "name" in params and not params["name"].strip():
        params["name"] = recipient  # "Hello ," reads badly; the address is what we know of them
    rendered = render(template, language, params, fallback=tenant.default_language if tenant else None)
    message = OutboxMessage(
        id=new_id(),
        tenant_id=uow.tenant_id,
        channel=channel,
        recipient=recipient,
        language=rendered.language,
        template=template,
        subject=rendered.subject if channel == "email" else None,
        body=rendered.body if channel == "email" else rendered.sms,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    uow.session.add(message)
    uow.publish(MessageQueued(tenant_id=uow.tenant_id, message_id=message.id))
    return message
