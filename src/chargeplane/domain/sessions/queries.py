"""Reading sessions for operators."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import NotFound
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.sessions.models import ChargingSession, MeterValue
from chargeplane.domain.sessions.readings import values_from_json
from chargeplane.domain.sessions.schemas import MeterValueRead
from chargeplane.domain.tokens.authorization import uid_key


@dataclass(frozen=True, slots=True)
class SessionFilter:
    charge_point_id: uuid.UUID | None = None
    id_tag: str | None = None
    id_token_id: uuid.UUID | None = None
    state: str | None = None
    status: str | None = None
    started_from: datetime | None = None
    started_to: datetime | None = None


def list_sessions(uow: UnitOfWork, *, where: SessionFilter, limit: int,
                  after: tuple[Any, uuid.UUID] | None = None) -> list[ChargingSession]:
    q = select(ChargingSession)
    if where.charge_point_id is not None:
        q = q.where(ChargingSession.charge_point_id == where.charge_point_id)
    if where.id_token_id is not None:
        q = q.where(ChargingSession.id_token_id == where.id_token_id)
    if where.id_tag is not None:
        q = q.where(func.upper(ChargingSession.id_tag) == uid_key(where.id_tag))
    if where.state is not None:
        q = q.where(ChargingSession.state == where.state)
    if where.status is not None:
        q = q.where(ChargingSession.status == where.status)
    if where.started_from is not None:
        q = q.where(ChargingSession.started_at >= where.started_from)
    if where.started_to is not None:
        q = q.where(ChargingSession.started_at < where.started_to)
    q = newest_first(q, ChargingSession, after=after, limit=limit)
    return list(uow.session.scalars(q))


def get_session(uow: UnitOfWork, session_id: uuid.UUID) -> ChargingSession:
    session = uow.session.get(ChargingSession, session_id)
    if session is None:
        raise NotFound("session not found", session_id=str(session_id))
    return session


def get_meter_values(uow: UnitOfWork, session_id: uuid.UUID) -> list[MeterValueRead]:
    """Every sampled value of the session, each with the time and connector of its reading."""
    readings = uow.session.scalars(
        select(MeterValue).where(MeterValue.session_id == session_id).order_by(MeterValue.timestamp, MeterValue.id)
    )
    return [MeterValueRead(timestamp=r.timestamp, connector_id=r.connector_id, value=v["value"],
                           measurand=v.get("measurand"), phase=v.get("phase"), location=v.get("location"),
                           context=v.get("context"), format=v.get("format"), unit=v.get("unit"))
            for r in readings for v in values_from_json(r.sampled_values)]


def running_energy(uow: UnitOfWork, sessions: list[ChargingSession]) -> dict[uuid.UUID, int]:
    """Energy so far of sessions that have not stopped: the latest import register minus the start.

    Computed when read rather than written with every MeterValues: reads are rare, meter values are not.
    """
    energy: dict[uuid.UUID, int] = {}
    for session in sessions:
        if session.state == "completed" or session.meter_start_wh is None:
            continue
        latest = uow.session.scalar(
            select(MeterValue.energy_register_wh)
            .where(MeterValue.session_id == session.id, MeterValue.energy_register_wh.is_not(None))
            .order_by(MeterValue.timestamp.desc(), MeterValue.id.desc()).limit(1)
        )
        energy[session.id] = max(0, latest - session.meter_start_wh) if latest is not None else 0
    return energy
