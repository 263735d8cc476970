"""The transaction detail list: each session with its driver (card label, user), charger (identity,
serial number), energy, times and its latest CDR's cost; searched by card, charger, driver and days,
newest first in keyset pages (the API's pages and the exports' chunks alike)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.models import ChargePoint
from chargeplane.domain.identity.models import User
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.pricing.models import ChargeDetailRecord
from chargeplane.domain.reports.filters import narrowed, newer_version
from chargeplane.domain.reports.periods import DayRange
from chargeplane.domain.reports.schemas import TransactionRead
from chargeplane.domain.sessions.models import ChargingSession
from chargeplane.domain.tokens.models import IdToken


@dataclass(frozen=True, slots=True)
class TransactionSearch:
    days: DayRange | None = None  # sessions that started on these local days
    text: str | None = None  # part of a card's uid or label, a charger's identity or serial, a driver's name or email
    charge_point_id: uuid.UUID | None = None
    site_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    id_token_id: uuid.UUID | None = None


def list_transactions(uow: UnitOfWork, *, search: TransactionSearch, limit: int,
                      after: tuple[datetime, uuid.UUID] | None = None) -> list[TransactionRead]:
    rows = list(uow.session.execute(newest_first(_query(search), ChargingSession, limit=limit, after=after)))
    costs = _costs(uow, [row.id for row in rows])
    return [_read(row, costs.get(row.id)) for row in rows]


def _costs(uow: UnitOfWork, session_ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """The page's latest CDRs, in a query of their own: joined into the page, a planner without fresh
    statistics (a table just loaded) read every CDR for each session."""
    if not session_ids:
        return {}
    cdr, newer = ChargeDetailRecord, aliased(ChargeDetailRecord)
    # `version > 0` (always true) makes SQLite, without statistics, prefer the (session_id, version)
    # index to the tenant's.
    return {row.session_id: row for row in uow.session.execute(
        select(cdr.session_id, cdr.total_excl_vat, cdr.total_incl_vat, cdr.currency)
        .where(cdr.session_id.in_(session_ids), cdr.version > 0, ~newer_version(cdr, newer)))}


def _query(search: TransactionSearch) -> Select[Any]:
    s = ChargingSession
    serial = func.coalesce(ChargePoint.serial_number, ChargePoint.charge_box_serial_number)
    q = (select(s.id, s.created_at, s.transaction_id, s.charge_point_id, s.charge_point_identity,
                serial.label("serial_number"), ChargePoint.site_id, s.account_id, s.id_tag,
                IdToken.label.label("card_label"), User.id.label("driver_id"), User.name.label("driver_name"),
                User.email.label("driver_email"), s.energy_wh, s.started_at, s.stopped_at, s.state)
         .outerjoin(ChargePoint, ChargePoint.id == s.charge_point_id)
         .outerjoin(IdToken, IdToken.id == s.id_token_id)
         .outerjoin(User, User.id == IdToken.user_id))
    if search.days is not None:
        q = q.where(s.started_at >= search.days.start, s.started_at < search.days.end)
    if search.text and search.text.strip():
        needle = search.text.strip().lower()
        q = q.where(or_(*(func.lower(column).contains(needle, autoescape=True) for column in (
            s.id_tag, IdToken.label, s.charge_point_identity, ChargePoint.name, ChargePoint.serial_number,
            ChargePoint.charge_box_serial_number, User.name, User.email))))
    return narrowed(q, charge_point_id=search.charge_point_id, site_id=search.site_id,
                    account_id=search.account_id, id_token_id=search.id_token_id)


def _read(row: Any, cost: Any) -> TransactionRead:
    duration = int((row.stopped_at - row.started_at).total_seconds()) if row.started_at and row.stopped_at else None
    return TransactionRead(
        id=row.id, created_at=row.created_at, transaction_id=row.transaction_id, charge_point_id=row.charge_point_id,
        charge_point_identity=row.charge_point_identity, serial_number=row.serial_number, site_id=row.site_id,
        account_id=row.account_id, id_tag=row.id_tag, card_label=row.card_label, driver_id=row.driver_id,
        driver_name=row.driver_name, driver_email=row.driver_email, energy_wh=row.energy_wh,
        started_at=row.started_at, stopped_at=row.stopped_at, duration_s=duration, state=row.state,
        cost_excl_vat=cost.total_excl_vat if cost else None,
        cost_incl_vat=cost.total_incl_vat if cost else None, currency=cost.currency if cost else None)
