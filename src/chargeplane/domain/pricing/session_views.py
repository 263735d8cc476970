"""Sessions as operators read them (the API and the portal alike): the energy so far of running ones,
the detail with meter values and cost, and the final cost of many at once for lists and exports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from chargeplane.db import UnitOfWork
from chargeplane.domain.pricing.cdr_schemas import SessionDetailWithCost, money
from chargeplane.domain.pricing.live import session_cost
from chargeplane.domain.pricing.models import ChargeDetailRecord
from chargeplane.domain.sessions import queries
from chargeplane.domain.sessions.models import ChargingSession
from chargeplane.domain.sessions.schemas import SessionRead


def session_reads(uow: UnitOfWork, sessions: list[ChargingSession]) -> list[SessionRead]:
    """Stored sessions, with the energy so far of those still running."""
    running = queries.running_energy(uow, sessions)
    reads = [SessionRead.model_validate(s) for s in sessions]
    for read in reads:
        if read.id in running:
            read.energy_wh = running[read.id]
    return reads


def session_detail(uow: UnitOfWork, session_id: uuid.UUID, *, now: datetime) -> SessionDetailWithCost:
    """With its meter values and its cost: running (priced now from the frozen tariff) or final (its CDR)."""
    row = queries.get_session(uow, session_id)
    session = session_reads(uow, [row])[0]
    return SessionDetailWithCost(**session.model_dump(), meter_values=queries.get_meter_values(uow, session_id),
                                 cost=session_cost(uow, row, now=now))


@dataclass(frozen=True, slots=True)
class FinalCost:
    total_incl_vat: Decimal
    currency: str


def final_costs(uow: UnitOfWork, session_ids: list[uuid.UUID]) -> dict[uuid.UUID, FinalCost]:
    """The total of each session's latest CDR, for those that have one (one query)."""
    if not session_ids:
        return {}
    latest = (select(ChargeDetailRecord.session_id, func.max(ChargeDetailRecord.version).label("version"))
              .where(ChargeDetailRecord.session_id.in_(session_ids)).group_by(ChargeDetailRecord.session_id)
              .subquery())
    rows = uow.session.execute(
        select(ChargeDetailRecord.session_id, ChargeDetailRecord.total_incl_vat, ChargeDetailRecord.currency)
        .join(latest, (latest.c.session_id == ChargeDetailRecord.session_id)
              & (latest.c.version == ChargeDetailRecord.version)))
    return {row.session_id: FinalCost(money(row.total_incl_vat, row.currency), row.currency) for row in rows}
