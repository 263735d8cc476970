"""The record of every OCPP exchange with a charger: the frames as they were on the wire."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Table, delete, select

from chargeplane.db import UnitOfWork
from chargeplane.domain.chargerlog.models import OcppMessage

MESSAGES: Table = OcppMessage.__table__  # type: ignore[assignment]


def record_exchange(
    uow: UnitOfWork,
    *,
    charge_point_id: uuid.UUID,
    direction: str,
    unique_id: str,
    action: str,
    request: str,
    response: str | None,
    outcome: str,
    created_at: datetime,
    answered_at: datetime | None,
) -> None:
    # This runs for every message a charger sends: the row goes out with the batch's other rows.
    uow.insert_later(MESSAGES, [{
        "charge_point_id": charge_point_id, "direction": direction, "unique_id": unique_id[:64],
        "action": action[:64], "request": request, "response": response, "outcome": outcome,
        "created_at": created_at, "answered_at": answered_at,
    }])


def recent_exchanges(uow: UnitOfWork, *, charge_point_id: uuid.UUID, limit: int) -> list[OcppMessage]:
    return list(uow.session.scalars(
        select(OcppMessage).where(OcppMessage.charge_point_id == charge_point_id)
        .order_by(OcppMessage.id.desc()).limit(limit)
    ))


def prune_before(uow: UnitOfWork, *, before: datetime) -> int:
    result = uow.session.execute(delete(OcppMessage).where(OcppMessage.created_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
