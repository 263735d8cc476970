from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chargeplane.db.base import AccountScoped, Base, BigIntPK, TenantScoped, new_id, utcnow


class ChargingSession(AccountScoped, Base):
    """One transaction from start to stop; `account_id` is the charge point's account at the start.

    state:  active -> completed, or active -> interrupted (the charger rebooted) -> completed.
    status: normal | abnormal, with `status_reason` saying why.
    """

    __tablename__ = "charging_sessions"
    __table_args__ = (
        Index("ix_charging_sessions_cp_started", "charge_point_id", "started_at"),
        Index("ix_charging_sessions_tenant_created", "tenant_id", "created_at", "id"),
        # A StopTransaction for a transaction we never saw is kept once, however often it is re-sent.
        UniqueConstraint("charge_point_id", "orphan_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # The OCPP transactionId we issued: random, so not guessable; null for an orphan stop.
    transaction_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    # What the charger reported when it was not ours (-1 or unknown), for orphan stops.
    reported_transaction_id: Mapped[int | None] = mapped_column(BigInteger)
    orphan_key: Mapped[str | None] = mapped_column(String(64))
    charge_point_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("charge_points.id", ondelete="SET NULL"), index=True
    )
    charge_point_identity: Mapped[str] = mapped_column(String(48))
    connector_id: Mapped[int]
    id_tag: Mapped[str | None] = mapped_column(String(20))
    id_token_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("id_tokens.id", ondelete="SET NULL"), index=True)
    id_tag_status: Mapped[str | None] = mapped_column(String(16))
    reservation_id: Mapped[int | None]
    meter_start_wh: Mapped[int | None] = mapped_column(BigInteger)
    started_at: Mapped[datetime | None]
    start_received_at: Mapped[datetime | None]
    meter_stop_wh: Mapped[int | None] = mapped_column(BigInteger)
    stopped_at: Mapped[datetime | None]
    stop_received_at: Mapped[datetime | None]
    stop_id_tag: Mapped[str | None] = mapped_column(String(20))
    stop_reason: Mapped[str | None] = mapped_column(String(32))
    energy_wh: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), default="active", index=True)
    status: Mapped[str] = mapped_column(String(16), default="normal")
    status_reason: Mapped[str | None] = mapped_column(Text)
    interrupted_at: Mapped[datetime | None]
    # The tariff frozen at the start (pricing.selection): its OCPI JSON with discount_percent and why,
    # and the site's time zone; later edits of the tariff never reach a running or past session.
    tariff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tariffs.id", ondelete="SET NULL"), index=True)
    tariff_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    tariff_time_zone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MeterValue(TenantScoped, Base):
    """One meter reading (OCPP's MeterValue): its sampled values as JSON, exactly as the charger sent them."""

    tenant_index = False
    __tablename__ = "meter_values"
    __table_args__ = (
        # The same reading re-sent (a retried MeterValues or StopTransaction) is stored once.
        UniqueConstraint("charge_point_id", "reading_key"),
        Index("ix_meter_values_session_time", "session_id", "timestamp"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("charging_sessions.id", ondelete="CASCADE"))
    charge_point_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("charge_points.id", ondelete="SET NULL"))
    connector_id: Mapped[int]
    transaction_id: Mapped[int | None] = mapped_column(BigInteger)
    timestamp: Mapped[datetime]
    # [{"value", "measurand"?, "phase"?, "location"?, "context"?, "format"?, "unit"?}, ...]
    sampled_values: Mapped[str] = mapped_column(Text)
    # The import register in this reading, in Wh, when it has one.
    energy_register_wh: Mapped[int | None] = mapped_column(BigInteger)
    reading_key: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
