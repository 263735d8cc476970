"""One charger as it is now: its state, connectors, running sessions with their energy and power, and
its latest OCPP messages (`GET /charge-points/{id}/live`, also as server-sent events)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets import service
from chargeplane.domain.assets.fleet import Connected, power_now_w, state_of
from chargeplane.domain.assets.schemas import ConnectorRead
from chargeplane.domain.chargerlog.service import recent_exchanges
from chargeplane.domain.sessions.models import ChargingSession
from chargeplane.domain.sessions.queries import running_energy


class LiveSession(BaseModel):
    id: uuid.UUID
    transaction_id: int | None
    connector_id: int
    id_tag: str | None
    started_at: datetime | None
    energy_wh: int = Field(description="so far: the latest import register minus the start")
    power_w: int = Field(description="at the latest reading: measured, else from the energy since the one before")


class LiveMessage(BaseModel):
    direction: str
    action: str
    outcome: str
    created_at: datetime


class ChargerLive(BaseModel):
    id: uuid.UUID
    identity: str
    state: str = Field(description="the fleet's word: available, charging, ..., offline")
    connected: bool
    last_seen_at: datetime | None
    connectors: list[ConnectorRead]
    power_w: int
    sessions: list[LiveSession]
    messages: list[LiveMessage] = Field(description="the latest OCPP exchanges, newest first")


def charger_live(uow: UnitOfWork, *, charge_point_id: uuid.UUID, connected: Connected,
                 last_seen: datetime | None, messages: int = 10) -> ChargerLive:
    charge_point = service.get_charge_point(uow, charge_point_id)
    running = list(uow.session.scalars(select(ChargingSession).where(
        ChargingSession.charge_point_id == charge_point_id, ChargingSession.state.in_(("active", "interrupted")))
        .order_by(ChargingSession.connector_id)))
    energy = running_energy(uow, running)
    online = connected(charge_point_id)
    power = power_now_w(uow, [s.id for s in running]) if online else {}
    return ChargerLive(
        id=charge_point.id, identity=charge_point.identity, state=state_of(charge_point, connected),
        connected=online, last_seen_at=last_seen or charge_point.last_seen_at,
        connectors=[ConnectorRead.model_validate(c) for c in charge_point.connectors],
        power_w=round(sum(power.values())),
        sessions=[LiveSession(id=s.id, transaction_id=s.transaction_id, connector_id=s.connector_id, id_tag=s.id_tag,
                              started_at=s.started_at, energy_wh=energy.get(s.id, 0), power_w=round(power.get(s.id, 0)))
                  for s in running],
        messages=[LiveMessage(direction=m.direction, action=m.action, outcome=m.outcome, created_at=m.created_at)
                  for m in recent_exchanges(uow, charge_point_id=charge_point_id, limit=messages)],
    )
