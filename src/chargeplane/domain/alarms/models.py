from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from chargeplane.db.base import AccountScoped, Base, TenantScoped, new_id, utcnow


class Alarm(AccountScoped, Base):
    __tablename__ = "alarms"
    __table_args__ = (
        # One open (or acknowledged) alarm per cause; resolved ones are history.
        Index("uq_alarms_open_cause", "tenant_id", "cause_key", unique=True,
              sqlite_where=text("status != 'resolved'"), postgresql_where=text("status != 'resolved'")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    cause: Mapped[str] = mapped_column(String(32))
    cause_key: Mapped[str] = mapped_column(String(200))
    charge_point_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("charge_points.id", ondelete="CASCADE"),
                                                              index=True)
    connector_id: Mapped[int | None]
    session_id: Mapped[uuid.UUID | None]
    level: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | acknowledged | resolved
    detail: Mapped[str | None] = mapped_column(String(500))
    occurrences: Mapped[int] = mapped_column(default=1)
    raised_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(200))  # None when it resolved by itself
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlarmChange(TenantScoped, Base):
    """The history of one alarm: raised, seen again, acknowledged, resolved (by whom, with what comment)."""

    __tablename__ = "alarm_changes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    alarm_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alarms.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]  # 1, 2, ... per alarm: the order things happened in, whatever the clocks said
    at: Mapped[datetime]
    change: Mapped[str] = mapped_column(String(16))  # raised | repeated | acknowledged | resolved
    actor: Mapped[str | None] = mapped_column(String(200))  # None: the system
    comment: Mapped[str | None] = mapped_column(String(1000))


class AlarmRule(TenantScoped, Base):
    """A tenant's own rule for one cause (the defaults in `causes.DEFAULT_RULES` apply without one)."""

    __tablename__ = "alarm_rules"
    __table_args__ = (UniqueConstraint("tenant_id", "cause"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    cause: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(default=True)
    level: Mapped[str] = mapped_column(String(16))
    offline_after_seconds: Mapped[int] = mapped_column(default=600)
    notify_emails: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
