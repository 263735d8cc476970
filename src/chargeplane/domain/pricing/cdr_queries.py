"""Reading charge detail records: filtered, newest first, with what each one's session says about it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import NotFound
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.pricing.cdr_schemas import CdrRead, cdr_read
from chargeplane.domain.pricing.models import ChargeDetailRecord
from chargeplane.domain.sessions.models import ChargingSession


@dataclass(frozen=True, slots=True)
class CdrFilter:
    session_id: uuid.UUID | None = None
    charge_point_id: uuid.UUID | None = None
    stopped_from: datetime | None = None  # inclusive
    stopped_to: datetime | None = None  # exclusive


def list_cdrs(uow: UnitOfWork, *, where: CdrFilter, limit: int, after: tuple[Any, uuid.UUID] | None = None
              ) -> list[CdrRead]:
    q = select(ChargeDetailRecord)
    if where.session_id is not None:
        q = q.where(ChargeDetailRecord.session_id == where.session_id)
    if where.charge_point_id is not None:
        q = q.where(ChargeDetailRecord.session_id.in_(
            select(ChargingSession.id).where(ChargingSession.charge_point_id == where.charge_point_id)))
    if where.stopped_from is not None:
        q = q.where(ChargeDetailRecord.stopped_at >= where.stopped_from)
    if where.stopped_to is not None:
        q = q.where(ChargeDetailRecord.stopped_at < where.stopped_to)
    rows = list(uow.session.scalars(newest_first(q, ChargeDetailRecord, after=after, limit=limit)))
    return reads(uow, rows)


def get_cdr(uow: UnitOfWork, cdr_id: uuid.UUID) -> CdrRead:
    cdr = uow.session.get(ChargeDetailRecord, cdr_id)
    if cdr is None:
        raise NotFound("charge detail record not found", cdr_id=str(cdr_id))
    return reads(uow, [cdr])[0]


def reads(uow: UnitOfWork, rows: list[ChargeDetailRecord]) -> list[CdrRead]:
    """With each record's charge point, the version correcting it, and its session's abnormality (two queries)."""
    if not rows:
        return []
    s = uow.session
    session_ids = {r.session_id for r in rows}
    sessions = {sid: (cp, status, reason) for sid, cp, status, reason in s.execute(
        select(ChargingSession.id, ChargingSession.charge_point_id, ChargingSession.status,
               ChargingSession.status_reason).where(ChargingSession.id.in_(session_ids)))}
    corrected_by = dict(s.execute(select(ChargeDetailRecord.corrects_id, ChargeDetailRecord.id)
                                  .where(ChargeDetailRecord.corrects_id.in_([r.id for r in rows]))).tuples().all())
    out = []
    for row in rows:
        cp, status, reason = sessions.get(row.session_id, (None, "normal", None))
        review = (reason or "abnormal session") if status == "abnormal" else None
        out.append(cdr_read(row, charge_point_id=cp, corrected_by_id=corrected_by.get(row.id), review_reason=review))
    return out
