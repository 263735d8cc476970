"""Meter values: stored exactly as sent, each reading once, linked to the charger's own session."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Table, update

from chargeplane.db import UnitOfWork
from chargeplane.domain.sessions.events import SessionMetered
from chargeplane.domain.sessions.known import KnownSessions, SessionRef, find_own_session_ref
from chargeplane.domain.sessions.models import ChargingSession, MeterValue
from chargeplane.domain.sessions.readings import MeterReading

METER_VALUES: Table = MeterValue.__table__  # type: ignore[assignment]


def record_meter_values(
    uow: UnitOfWork,
    *,
    charge_point_id: uuid.UUID,
    connector_id: int,
    transaction_id: int | None,
    readings: list[MeterReading],
    received_at: datetime,
    known: KnownSessions | None = None,
) -> None:
    ref: SessionRef | None = None
    if transaction_id is not None:
        ref = known.lookup(uow, transaction_id) if known else find_own_session_ref(uow, charge_point_id,
                                                                                    transaction_id)
    store_readings(uow, charge_point_id=charge_point_id, session_id=ref.session_id if ref else None,
                   transaction_id=transaction_id, readings=((connector_id, r) for r in readings),
                   received_at=received_at)
    if ref is not None:
        uow.publish(SessionMetered(uow.tenant_id, ref.session_id, charge_point_id, transaction_id,
                                   readings[-1].energy_register_wh() if readings else None, received_at,
                                   readings[-1].values if readings else ()))
    if ref is not None and ref.state == "interrupted":
        # The charger booted but this transaction goes on: it was not interrupted after all.
        uow.session.execute(update(ChargingSession)
                            .where(ChargingSession.id == ref.session_id, ChargingSession.state == "interrupted")
                            .values(state="active"))
        if known is not None:
            known.remember_after_commit(uow, SessionRef(ref.session_id, ref.transaction_id, "active"))


def store_readings(uow: UnitOfWork, *, charge_point_id: uuid.UUID, session_id: uuid.UUID | None,
                   transaction_id: int | None, readings: Iterable[tuple[int, MeterReading]], received_at: datetime
                   ) -> None:
    rows = []
    for connector, reading in readings:
        values = reading.values_json()
        rows.append({
            "session_id": session_id, "charge_point_id": charge_point_id, "connector_id": connector,
            "transaction_id": transaction_id, "timestamp": reading.timestamp, "sampled_values": values,
            "energy_register_wh": reading.energy_register_wh(), "reading_key": reading.key(connector, values),
            "received_at": received_at,
        })
    # A re-sent MeterValues (or StopTransaction) brings the same readings: stored once.
    uow.insert_later(METER_VALUES, rows, ignore_conflicts_on=("charge_point_id", "reading_key"))
