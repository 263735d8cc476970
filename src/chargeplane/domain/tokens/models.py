from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chargeplane.db.base import AccountScoped, Base, TenantScoped, new_id, utcnow


class IdToken(AccountScoped, Base):
    """What authorizes charging: an RFID card's uid (OCPP idTag), or a virtual card used only through
    the app's remote start."""

    __tablename__ = "id_tokens"
    __table_args__ = (UniqueConstraint("tenant_id", "uid_key"), UniqueConstraint("tenant_id", "contract_id"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    uid: Mapped[str] = mapped_column(String(20))
    # OCPP's idTag is a CiString: compared without regard to case.
    uid_key: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(16), default="physical")  # physical | virtual
    status: Mapped[str] = mapped_column(String(16), default="accepted")
    expires_at: Mapped[datetime | None]
    parent_uid: Mapped[str | None] = mapped_column(String(20))
    # eMI3 contract id (e.g. EE-CPL-C12345678-9), for roaming and invoices.
    contract_id: Mapped[str | None] = mapped_column(String(20))
    label: Mapped[str | None] = mapped_column(String(100))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # When true, the card works only at the sites and charge points in `id_token_restrictions`.
    restricted: Mapped[bool] = mapped_column(default=False)
    # A virtual card is accepted at a charger only for the remote start its holder just asked for.
    remote_start_charge_point_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("charge_points.id", ondelete="SET NULL"))
    remote_start_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class IdTokenRestriction(TenantScoped, Base):
    """One place (a site or a charge point) where a restricted card may charge."""

    __tablename__ = "id_token_restrictions"
    __table_args__ = (
        UniqueConstraint("id_token_id", "site_id", "charge_point_id"),
        CheckConstraint("(site_id IS NULL) <> (charge_point_id IS NULL)", name="site_or_charge_point"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    id_token_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("id_tokens.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    charge_point_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("charge_points.id", ondelete="CASCADE"))
