"""What a session costs: so far, while it runs (priced when read, from its frozen tariff), or its CDR once done.

Nothing is written while a session runs: meter values arrive far more often than anyone looks at the
cost, so the running cost is computed on reading, like the running energy.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.pricing.cdr_schemas import SessionCost, line_reads, money
from chargeplane.domain.pricing.cdrs import discount_of
from chargeplane.domain.pricing.engine import Cost, lines_to_json, price
from chargeplane.domain.pricing.models import ChargeDetailRecord
from chargeplane.domain.pricing.spec import spec_from_json
from chargeplane.domain.pricing.timeline_source import timeline_of
from chargeplane.domain.sessions.models import ChargingSession

RUNNING_STATES = ("active", "interrupted")


def running_cost(uow: UnitOfWork, *, session_id: uuid.UUID, now: datetime) -> Cost | None:
    """The cost so far of a running session; None when it has stopped or has no tariff frozen."""
    session = uow.session.get(ChargingSession, session_id)
    if session is None or session.state not in RUNNING_STATES or session.tariff_snapshot is None:
        return None
    return _running(uow, session, now)


def _running(uow: UnitOfWork, session: ChargingSession, now: datetime) -> Cost:
    assert session.tariff_snapshot is not None
    # An interrupted session (its charger rebooted) costs what it had cost when the charger went away.
    until = session.interrupted_at if session.state == "interrupted" and session.interrupted_at else now
    until = max(until, session.started_at) if session.started_at else until
    timeline = timeline_of(uow, session, until=until)
    return price(spec_from_json(session.tariff_snapshot), timeline, until=until,
                 discount_percent=discount_of(session.tariff_snapshot))


def session_cost(uow: UnitOfWork, session: ChargingSession, *, now: datetime) -> SessionCost | None:
    """The running cost of a running session, or the final one from its latest CDR; None if there is neither."""
    if session.state in RUNNING_STATES:
        if session.tariff_snapshot is None:
            return None
        cost = _running(uow, session, now)
        return SessionCost(
            kind="running", as_of=now, cdr_id=None, currency=cost.currency,
            total_excl_vat=cost.total_cost.excl_vat,
            total_vat=(cost.total_cost.incl_vat or cost.total_cost.excl_vat) - cost.total_cost.excl_vat,
            total_incl_vat=cost.total_cost.incl_vat or cost.total_cost.excl_vat,
            energy_wh=cost.total_energy_wh, time_s=cost.total_time_s, parking_s=cost.total_parking_s,
            lines=line_reads(lines_to_json(cost.lines)),
        )
    cdr = uow.session.scalar(select(ChargeDetailRecord).where(ChargeDetailRecord.session_id == session.id)
                             .order_by(ChargeDetailRecord.version.desc()).limit(1))
    if cdr is None:
        return None
    return SessionCost(
        kind="final", as_of=cdr.created_at, cdr_id=cdr.id, currency=cdr.currency,
        total_excl_vat=money(cdr.total_excl_vat, cdr.currency), total_vat=money(cdr.total_vat, cdr.currency),
        total_incl_vat=money(cdr.total_incl_vat, cdr.currency), energy_wh=cdr.total_energy_wh, time_s=cdr.total_time_s,
        parking_s=cdr.total_parking_s, lines=line_reads(cdr.lines),
    )
