"""Tariffs (what a charge costs, shaped like OCPI 2.2.1) and charge detail records (what one did cost)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chargeplane.db.base import AccountScoped, Base, new_id, utcnow

AUDIENCES = ("public", "customer_group", "private")


class Tariff(AccountScoped, Base):
    """A price model. `account_id` is the owner (the account of the site or charge point it is on; none for
    the tenant's own). Where it applies: one charge point, one site, or (neither) every charger of the
    owner. Who it is for: `audience` public, customer_group (`customer_group_id`) or private (the owner's
    account tree). Which one a session gets is `selection.select_tariff`'s business: no manual priority."""

    __tablename__ = "tariffs"
    __table_args__ = (
        CheckConstraint("NOT (site_id IS NOT NULL AND charge_point_id IS NOT NULL)", name="site_or_charge_point"),
        CheckConstraint("(audience = 'customer_group') = (customer_group_id IS NOT NULL)", name="group_audience"),
        CheckConstraint("audience IN ('public', 'customer_group', 'private')", name="audience"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    # OCPI 2.2.1 `elements`, `min_price`, `max_price` as JSON (validated by `spec.spec_from_json`).
    elements: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    min_price: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    max_price: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    charge_point_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("charge_points.id", ondelete="CASCADE"),
                                                              index=True)
    audience: Mapped[str] = mapped_column(String(16), default="public")
    customer_group_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customer_groups.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[datetime | None]
    valid_to: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ChargeDetailRecord(AccountScoped, Base):
    """What one completed session cost, never updated: a correction is a new row (version + 1) that
    names the row it corrects. `account_id` is the session's (the charge point's owner)."""

    __tablename__ = "charge_detail_records"
    __table_args__ = (
        UniqueConstraint("session_id", "version"),
        Index("ix_charge_detail_records_tenant_created", "tenant_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charging_sessions.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("charge_detail_records.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    currency: Mapped[str] = mapped_column(String(3))
    tariff_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    periods: Mapped[Any] = mapped_column(JSON)
    lines: Mapped[Any] = mapped_column(JSON)
    total_excl_vat: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    total_vat: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    total_incl_vat: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    total_energy_wh: Mapped[int] = mapped_column(BigInteger)
    total_time_s: Mapped[int]
    total_parking_s: Mapped[int]
    started_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]
    charge_point_identity: Mapped[str] = mapped_column(String(48))
    id_tag: Mapped[str | None] = mapped_column(String(20))
    # The SignedData sampled values' raw values, in the order the charger sent them.
    signed_data: Mapped[list[str]] = mapped_column(JSON, default=list)
