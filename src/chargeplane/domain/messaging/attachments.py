"""Files sent with an email (an invoice's PDF). A message that waits for its file is queued a little in
the future, so it commits with its cause; `attach` adds the file and makes it due at once. Should the
file never come (the process stopped in between), the message still leaves, without it, when its time
comes: it carries a link to what the file holds."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from chargeplane.db import UnitOfWork
from chargeplane.domain.messaging.models import OutboxMessage
from chargeplane.domain.messaging.outbox import MessageQueued


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str  # e.g. application/pdf
    content: bytes


def to_json(attachments: Iterable[Attachment]) -> list[dict[str, str]]:
    return [{"filename": a.filename, "content_type": a.content_type,
             "content": base64.b64encode(a.content).decode("ascii")} for a in attachments]


def from_json(rows: Sequence[dict[str, str]] | None) -> tuple[Attachment, ...]:
    return tuple(Attachment(row["filename"], row["content_type"], base64.b64decode(row["content"]))
                 for row in rows or ())


def attach(uow: UnitOfWork, *, message_id: uuid.UUID, attachments: Sequence[Attachment], now: datetime) -> bool:
    """Add the files to a message still waiting to be sent and make it due now; False if it has left."""
    message = uow.session.get(OutboxMessage, message_id)
    if message is None or message.status != "pending" or message.attempts:
        return False
    message.attachments = to_json(attachments)
    message.next_attempt_at = now
    uow.publish(MessageQueued(tenant_id=message.tenant_id, message_id=message.id))
    return True
