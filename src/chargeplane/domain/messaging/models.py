from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chargeplane.db.base import Base, TenantScoped, new_id, utcnow


class OutboxMessage(TenantScoped, Base):
    """One email or SMS, committed with what caused it and delivered afterwards (or kept for the
    demo when no SMTP server or SMS provider is configured). Its body holds live links: only tenant
    admins read it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_pending", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(String(8))  # email | sms
    recipient: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8))
    template: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # Files sent with an email (`attachments.py`): [{"filename", "content_type", "content" (base64)}].
    attachments: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    # pending -> sent | failed (after retries) | held (no transport configured)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
