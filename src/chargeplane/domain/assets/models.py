from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chargeplane.db.base import AccountScoped, Base, BigIntPK, TenantScoped, new_id, utcnow


class Site(AccountScoped, Base):
    __tablename__ = "sites"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ChargePoint(AccountScoped, Base):
    __tablename__ = "charge_points"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # Unique across the installation: the handshake finds the charger (and so its tenant) by it.
    identity: Mapped[str] = mapped_column(String(48), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    # Who may charge here besides those it is shared with: private (its account only), community
    # (the whole tree of its top account), and/or public (anyone).
    community: Mapped[bool] = mapped_column(default=False)
    public: Mapped[bool] = mapped_column(default=False)
    # The operator's decision: accepted | pending | rejected.
    registration_status: Mapped[str] = mapped_column(String(16), default="accepted")
    # The status the last BootNotification was answered with (Accepted/Pending/Rejected), if any.
    boot_status: Mapped[str | None] = mapped_column(String(16))
    last_boot_at: Mapped[datetime | None]
    vendor: Mapped[str | None] = mapped_column(String(20))
    model: Mapped[str | None] = mapped_column(String(20))
    serial_number: Mapped[str | None] = mapped_column(String(25))
    charge_box_serial_number: Mapped[str | None] = mapped_column(String(25))
    firmware_version: Mapped[str | None] = mapped_column(String(50))
    iccid: Mapped[str | None] = mapped_column(String(20))
    imsi: Mapped[str | None] = mapped_column(String(20))
    meter_type: Mapped[str | None] = mapped_column(String(25))
    meter_serial_number: Mapped[str | None] = mapped_column(String(25))
    firmware_status: Mapped[str | None] = mapped_column(String(32))
    firmware_status_at: Mapped[datetime | None]
    diagnostics_status: Mapped[str | None] = mapped_column(String(32))
    diagnostics_status_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    connected_at: Mapped[datetime | None]
    disconnected_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    connectors: Mapped[list[Connector]] = relationship(
        back_populates="charge_point", cascade="all, delete-orphan", order_by="Connector.connector_id",
        passive_deletes=True,
    )


class Connector(TenantScoped, Base):
    """The last known status of one connector; connector 0 stands for the whole charger."""

    __tablename__ = "connectors"
    __table_args__ = (UniqueConstraint("charge_point_id", "connector_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    charge_point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charge_points.id", ondelete="CASCADE"))
    connector_id: Mapped[int]
    status: Mapped[str] = mapped_column(String(32))
    error_code: Mapped[str] = mapped_column(String(32), default="NoError")
    info: Mapped[str | None] = mapped_column(String(50))
    vendor_id: Mapped[str | None] = mapped_column(String(255))
    vendor_error_code: Mapped[str | None] = mapped_column(String(50))
    status_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    charge_point: Mapped[ChargePoint] = relationship(back_populates="connectors")


class StatusChange(TenantScoped, Base):
    """Every StatusNotification, kept as history."""

    tenant_index = False
    __tablename__ = "status_changes"
    __table_args__ = (Index("ix_status_changes_cp_time", "charge_point_id", "status_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    charge_point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charge_points.id", ondelete="CASCADE"))
    connector_id: Mapped[int]
    status: Mapped[str] = mapped_column(String(32))
    error_code: Mapped[str] = mapped_column(String(32))
    info: Mapped[str | None] = mapped_column(String(50))
    vendor_id: Mapped[str | None] = mapped_column(String(255))
    vendor_error_code: Mapped[str | None] = mapped_column(String(50))
    status_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
