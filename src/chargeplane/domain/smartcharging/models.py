from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from chargeplane.db.base import Base, TenantScoped, utcnow


class SiteChargingLimit(TenantScoped, Base):
    """A site's grid connection limit and the periods that lower it (peak caps, cheap hours).

    Reached only through its site (gated by the site's account); `limit` is amperes per phase or kW
    as `unit` says, and `schedule` holds periods `{"days": [1..7], "start": "HH:MM", "end": "HH:MM",
    "limit": n}` in the site's time zone.
    """

    __tablename__ = "site_charging_limits"

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    limit: Mapped[Decimal] = mapped_column(Numeric(10, 1))
    unit: Mapped[str] = mapped_column(String(2))  # A | kW
    phases: Mapped[int] = mapped_column(default=3)
    voltage: Mapped[int] = mapped_column(default=230)
    schedule: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ChargerChargingSettings(TenantScoped, Base):
    """How a charger takes part in load balancing, and what it did with the last profile it got.

    `control`: unknown (nothing sent yet) | accepted | rejected (it refused a profile or does not do
    smart charging: it is then counted at its maximum) | unreachable (a send failed or timed out).
    `cap_a` is the charger-wide limit (ChargePointMaxProfile) it last accepted.
    """

    __tablename__ = "charger_charging_settings"

    charge_point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charge_points.id", ondelete="CASCADE"),
                                                       primary_key=True)
    min_current_a: Mapped[Decimal] = mapped_column(Numeric(6, 1), default=Decimal(6))
    max_current_a: Mapped[Decimal] = mapped_column(Numeric(6, 1), default=Decimal(32))
    phases: Mapped[int] = mapped_column(default=3)
    priority: Mapped[int] = mapped_column(default=0)
    control: Mapped[str] = mapped_column(String(16), default="unknown")
    control_detail: Mapped[str | None] = mapped_column(String(300))
    cap_a: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    cap_sent_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ChargingAllocation(TenantScoped, Base):
    """The current a running session may draw, as last computed, and what its charger answered.

    `state`: pending (computed, not yet sent) | accepted | rejected | failed.
    """

    __tablename__ = "charging_allocations"

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charging_sessions.id", ondelete="CASCADE"),
                                                  primary_key=True)
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    charge_point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charge_points.id", ondelete="CASCADE"))
    connector_id: Mapped[int]
    limit_a: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    accepted_limit_a: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str] = mapped_column(String(32), default="share")  # share | minimum | paused | target | demand
    measured_a: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    measured_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ChargingTarget(TenantScoped, Base):
    """A session's energy limit or target state of charge; reached once, then the session is held at 0 A."""

    __tablename__ = "charging_targets"

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charging_sessions.id", ondelete="CASCADE"),
                                                  primary_key=True)
    energy_wh: Mapped[int | None]
    soc_percent: Mapped[int | None]
    last_soc_percent: Mapped[int | None]
    set_by: Mapped[str | None] = mapped_column(String(200))
    reached_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
