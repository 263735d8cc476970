"""A session's energy limit or target state of charge: noticed in its meter values, then kept by holding
the session at 0 A (a TxProfile), so the car stops drawing while the driver still ends the session."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.sessions.models import ChargingSession, MeterValue
from chargeplane.domain.sessions.readings import values_from_json
from chargeplane.domain.smartcharging import allocation, profiles
from chargeplane.domain.smartcharging.models import ChargingAllocation, ChargingTarget, SiteChargingLimit
from chargeplane.domain.smartcharging.planning import RUNNING, ProfileSend, site_of_charger
from chargeplane.domain.smartcharging.readings import soc_percent


def open_targets(uow: UnitOfWork) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant, session) of every target not yet reached on a running session (installation scope)."""
    rows = uow.session.execute(
        select(ChargingTarget.tenant_id, ChargingTarget.session_id)
        .join(ChargingSession, ChargingSession.id == ChargingTarget.session_id)
        .where(ChargingTarget.reached_at.is_(None), ChargingSession.state.in_(RUNNING))).all()
    return [(tenant_id, session_id) for tenant_id, session_id in rows]


def note_metering(uow: UnitOfWork, *, session_id: uuid.UUID, register_wh: int | None, soc: int | None,
                  now: datetime) -> bool:
    """True when this reading reaches the session's target (the first time only)."""
    target = uow.session.get(ChargingTarget, session_id)
    session = uow.session.get(ChargingSession, session_id)
    if target is None or session is None or target.reached_at is not None:
        return False
    if soc is not None:
        target.last_soc_percent = soc
    if register_wh is None and soc is None:  # a target just set: the latest reading so far decides
        latest = uow.session.execute(
            select(MeterValue.energy_register_wh, MeterValue.sampled_values)
            .where(MeterValue.session_id == session_id).order_by(MeterValue.timestamp.desc()).limit(1)).first()
        if latest is not None:
            register_wh, soc = latest.energy_register_wh, soc_percent(values_from_json(latest.sampled_values))
            if soc is not None:
                target.last_soc_percent = soc
    energy = register_wh - session.meter_start_wh if register_wh is not None and \
        session.meter_start_wh is not None else None
    reached = (target.energy_wh is not None and energy is not None and energy >= target.energy_wh) or \
        (target.soc_percent is not None and soc is not None and soc >= target.soc_percent)
    if reached:
        target.reached_at = now
    return reached


def hold_at_zero(uow: UnitOfWork, *, session_id: uuid.UUID, now: datetime) -> list[ProfileSend]:
    """For a session outside load balancing whose target is reached: a TxProfile of 0 A."""
    session = uow.session.get(ChargingSession, session_id)
    if session is None or session.state not in RUNNING or session.charge_point_id is None \
            or session.transaction_id is None:
        return []
    row = uow.session.get(ChargingAllocation, session_id)
    if row is None:
        row = ChargingAllocation(session_id=session_id, charge_point_id=session.charge_point_id,
                                 connector_id=session.connector_id, site_id=None)
        uow.session.add(row)
    row.limit_a, row.reason, row.state, row.updated_at = Decimal(0), allocation.TARGET, "pending", now
    payload = profiles.session_limit(0, connector_id=session.connector_id, transaction_id=session.transaction_id)
    return [ProfileSend(session.charge_point_id, payload, 0, lowers=True, session_id=session_id)]


def balanced_site_of(uow: UnitOfWork, *, session_id: uuid.UUID) -> uuid.UUID | None:
    """The session's site if load balancing runs there (its plan then looks after the target)."""
    session = uow.session.get(ChargingSession, session_id)
    if session is None or session.charge_point_id is None:
        return None
    site_id = site_of_charger(uow, charge_point_id=session.charge_point_id)
    limit = uow.session.get(SiteChargingLimit, site_id) if site_id is not None else None
    return site_id if limit is not None and limit.enabled else None


def retargeted(uow: UnitOfWork, *, session_id: uuid.UUID) -> tuple[uuid.UUID | None, tuple[uuid.UUID, int] | None]:
    """After a target changed: the balanced site to plan again, or, outside balancing, the
    (charger, connector) whose hold at 0 A to lift because the target is gone or no longer reached."""
    site_id = balanced_site_of(uow, session_id=session_id)
    if site_id is not None:
        return site_id, None
    target = uow.session.get(ChargingTarget, session_id)
    row = uow.session.get(ChargingAllocation, session_id)
    if row is None or row.reason != allocation.TARGET or (target is not None and target.reached_at is not None):
        return None, None
    uow.session.delete(row)
    return None, (row.charge_point_id, row.connector_id)


def reach(uow: UnitOfWork, *, session_id: uuid.UUID, register_wh: int | None, soc: int | None,
          now: datetime) -> tuple[uuid.UUID | None, list[ProfileSend]] | None:
    """None while the target is not reached; once reached, the balanced site to plan again (its plan
    holds the session at 0 A), or else the profile that holds it."""
    if not note_metering(uow, session_id=session_id, register_wh=register_wh, soc=soc, now=now):
        return None
    site_id = balanced_site_of(uow, session_id=session_id)
    return site_id, [] if site_id is not None else hold_at_zero(uow, session_id=session_id, now=now)
