"""Reservations: the rules, independent of the charger's transport. The caller sends ReserveNow and
CancelReservation between these steps (see `api/reservation_flows.py`)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.service import get_charge_point
from chargeplane.domain.audit.service import record
from chargeplane.domain.errors import Conflict, Invalid, NotFound
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.reservations.models import Reservation
from chargeplane.domain.reservations.schemas import ReservationRead
from chargeplane.domain.tokens.service import find_id_token

MAX_AHEAD = timedelta(hours=24)
# ReserveNow's answers other than Accepted.
REFUSALS = frozenset({"Faulted", "Occupied", "Rejected", "Unavailable"})


def to_read(row: Reservation, now: datetime) -> ReservationRead:
    read = ReservationRead.model_validate(row)
    if read.status == "accepted" and _aware(row.expires_at) <= now:
        read.status = "expired"
    return read


def _aware(value: datetime) -> datetime:
    # SQLite hands timestamps back without their (UTC) zone.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def request_reservation(uow: UnitOfWork, *, charge_point_id: uuid.UUID, connector_id: int, id_tag: str,
                        expires_at: datetime, actor: Principal, now: datetime) -> Reservation:
    """A new reservation, not yet sent: checked (the card, the connector, the time) and numbered."""
    cp = get_charge_point(uow, charge_point_id)
    if expires_at <= now:
        raise Invalid("the reservation must end in the future", field="expires_at")
    if expires_at - now > MAX_AHEAD:
        raise Invalid("a reservation lasts at most 24 hours", field="expires_at")
    token = find_id_token(uow, id_tag)
    if token is None or token.status != "accepted":
        raise Invalid("no card with this id tag may charge", field="id_tag")
    if connector_id > 0 and cp.connectors and connector_id not in {c.connector_id for c in cp.connectors}:
        raise Invalid("the charger has no connector %(connector_id)s", field="connector_id", connector_id=connector_id)
    s = uow.session
    held = s.scalar(select(Reservation.id).where(
        Reservation.charge_point_id == cp.id, Reservation.connector_id == connector_id,
        Reservation.status.in_(("requested", "accepted")), Reservation.expires_at > now))
    if held is not None:
        raise Conflict("this connector is reserved already; cancel that reservation first")
    number = (s.scalar(select(func.max(Reservation.reservation_id))
                       .where(Reservation.charge_point_id == cp.id)) or 0) + 1
    row = Reservation(account_id=cp.account_id, charge_point_id=cp.id, reservation_id=number,
                      connector_id=connector_id, id_tag=token.uid, parent_id_tag=token.parent_uid,
                      expires_at=expires_at,
                      status="requested", created_at=now)
    s.add(row)
    s.flush()
    record(uow, actor=actor, action="reservation.requested", object_type="reservation", object_id=row.id, at=now,
           account_id=cp.account_id, after={"charge_point_id": str(cp.id), "connector_id": connector_id,
                                            "id_tag": token.uid, "expires_at": expires_at.isoformat()})
    return row


def get_reservation(uow: UnitOfWork, reservation_id: uuid.UUID) -> Reservation:
    row = uow.session.get(Reservation, reservation_id)
    if row is None:
        raise NotFound("reservation not found")
    return row


def record_answer(uow: UnitOfWork, *, reservation_id: uuid.UUID, charger_status: str | None,
                  failure: str | None, now: datetime) -> Reservation:
    """The charger's answer to ReserveNow (`charger_status`), or why there was none (`failure`)."""
    row = get_reservation(uow, reservation_id)
    row.answered_at = now
    if failure is not None:
        row.status, row.failure = "failed", failure[:300]
    else:
        row.charger_status = charger_status
        row.status = "accepted" if charger_status == "Accepted" else "refused"
    return row


def cancellable(uow: UnitOfWork, *, reservation_id: uuid.UUID, now: datetime) -> Reservation:
    row = get_reservation(uow, reservation_id)
    if to_read(row, now).status != "accepted":
        raise Conflict("a reservation that is %(status)s cannot be cancelled", status=to_read(row, now).status)
    return row


def record_cancellation(uow: UnitOfWork, *, reservation_id: uuid.UUID, charger_status: str, actor: Principal,
                        now: datetime) -> Reservation:
    row = get_reservation(uow, reservation_id)
    if charger_status != "Accepted":
        raise Conflict("the charger refused to cancel the reservation (%(charger_status)s)",
                       charger_status=charger_status)
    row.status, row.ended_at = "cancelled", now
    record(uow, actor=actor, action="reservation.cancelled", object_type="reservation", object_id=row.id, at=now,
           account_id=row.account_id)
    return row


def use_reservation(uow: UnitOfWork, *, charge_point_id: uuid.UUID, reservation_id: int, session_id: uuid.UUID,
                    now: datetime) -> None:
    """A StartTransaction named this reservation: it ends, used by that session (a no-op for an unknown one)."""
    uow.session.execute(update(Reservation).where(
        Reservation.charge_point_id == charge_point_id, Reservation.reservation_id == reservation_id,
        Reservation.status.in_(("requested", "accepted"))).values(status="used", session_id=session_id, ended_at=now))


def list_reservations(uow: UnitOfWork, *, charge_point_id: uuid.UUID | None, limit: int,
                      after: tuple[datetime, uuid.UUID] | None) -> list[Reservation]:
    query = select(Reservation)
    if charge_point_id is not None:
        query = query.where(Reservation.charge_point_id == charge_point_id)
    return list(uow.session.scalars(newest_first(query, Reservation, limit=limit, after=after)))
