from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from chargeplane.db.base import Base, TenantScoped, new_id, utcnow


class LocalAuthList(TenantScoped, Base):
    """A charger's local authorization list (OCPP 1.6 Local Auth List Management) as we last sent it:
    the version the charger holds and, in `entries`, exactly what that version contains, so that the
    next update can be a differential one carrying only what changed since."""

    __tablename__ = "local_auth_lists"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    charge_point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charge_points.id", ondelete="CASCADE"),
                                                       unique=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=0)  # 0: nothing sent yet
    # {uid: {"status": "Accepted", "expiryDate": iso | None, "parentIdTag": uid | None}}
    entries: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    synced_at: Mapped[datetime | None]
    last_result: Mapped[str | None] = mapped_column(String(200))
    last_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
