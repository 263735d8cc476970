from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chargeplane.db.base import Base, TenantScoped, new_id, utcnow


class FirmwareCampaign(TenantScoped, Base):
    """`status`: running → completed (every charger installed or failed) | cancelled."""

    __tablename__ = "firmware_campaigns"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(500))
    retrieve_date: Mapped[datetime | None]
    selection: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the filter that chose the chargers
    batch_size: Mapped[int] = mapped_column(default=10)
    max_attempts: Mapped[int] = mapped_column(default=3)
    status: Mapped[str] = mapped_column(String(16), default="running")
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class FirmwareTarget(TenantScoped, Base):
    """One charger of a campaign. `status`: pending → sent → downloading → downloaded → installing →
    installed | failed (attempts used up); cancelled. `last_report` is the charger's own word."""

    __tablename__ = "firmware_targets"
    __table_args__ = (UniqueConstraint("campaign_id", "charge_point_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("firmware_campaigns.id", ondelete="CASCADE"),
                                                   index=True)
    charge_point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charge_points.id", ondelete="CASCADE"),
                                                       index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_report: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(300))
    firmware_before: Mapped[str | None] = mapped_column(String(50))
    sent_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
