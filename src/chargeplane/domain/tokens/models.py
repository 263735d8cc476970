from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chargeplane.db.base import Base, TenantScoped, new_id, utcnow


class IdToken(TenantScoped, Base):
    """What authorizes charging: an RFID card's uid (OCPP idTag)."""

    __tablename__ = "id_tokens"
    __table_args__ = (UniqueConstraint("tenant_id", "uid_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    uid: Mapped[str] = mapped_column(String(20))
    # OCPP's idTag is a CiString: compared without regard to case.
    uid_key: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), default="accepted")
    expires_at: Mapped[datetime | None]
    parent_uid: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
