"""What the API shows of the outbox (tenant admins only: bodies hold live links)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

Channel = Literal["email", "sms"]
MessageStatus = Literal["pending", "sent", "failed", "held"]


class OutboxMessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel: Channel
    recipient: str
    language: str
    template: str
    subject: str | None
    body: str
    status: MessageStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
