from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chargeplane.db.base import Base, BigIntPK, TenantScoped, utcnow


class OcppMessage(TenantScoped, Base):
    """One OCPP exchange with a charger: the request frame and the answer, as sent on the wire.

    direction "in": the charger called us; "out": we called the charger.
    """

    tenant_index = False
    __tablename__ = "ocpp_messages"
    __table_args__ = (Index("ix_ocpp_messages_cp_time", "charge_point_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    charge_point_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("charge_points.id", ondelete="SET NULL"))
    direction: Mapped[str] = mapped_column(String(3))
    unique_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    request: Mapped[str] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)
    # CallResult | CallError | Timeout | NotSent
    outcome: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
