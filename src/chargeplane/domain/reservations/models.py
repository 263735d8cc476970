from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chargeplane.db.base import AccountScoped, Base, new_id, utcnow


class Reservation(AccountScoped, Base):
    """One reservation of a charger (its account's), from the request to its end.

    `status`: requested (sent, no answer yet) → accepted | refused (the charger's answer in
    `charger_status`: Faulted, Occupied, Rejected, Unavailable) | failed (no answer: not connected,
    timeout, error); an accepted one ends as used (by a session), cancelled, or expired (read as such
    once `expires_at` has passed)."""

    __tablename__ = "reservations"
    # OCPP's reservationId is an integer the central system picks; unique per charger.
    __table_args__ = (UniqueConstraint("charge_point_id", "reservation_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    charge_point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charge_points.id", ondelete="CASCADE"),
                                                       index=True)
    reservation_id: Mapped[int]
    connector_id: Mapped[int]  # 0: any connector of the charger
    id_tag: Mapped[str] = mapped_column(String(20))
    parent_id_tag: Mapped[str | None] = mapped_column(String(20))
    expires_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="requested")
    charger_status: Mapped[str | None] = mapped_column(String(32))
    failure: Mapped[str | None] = mapped_column(String(300))
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("charging_sessions.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
