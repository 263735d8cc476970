"""Meter values: stored exactly as sent, each sample once, linked to the charger's own session."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Table, update

from chargeplane.db import UnitOfWork
from chargeplane.domain.sessions.known import KnownSessions, SessionRef, find_own_session_ref
from chargeplane.domain.sessions.models import ChargingSession, MeterValue
from chargeplane.domain.sessions.samples import Sample

METER_VALUES: Table = MeterValue.__table__  # type: ignore[assignment]


def record_meter_values(
    uow: UnitOfWork,
    *,
    charge_point_id: uuid.UUID,
    connector_id: int,
    transaction_id: int | None,
    samples: list[Sample],
    received_at: datetime,
    known: KnownSessions | None = None,
) -> None:
    ref: SessionRef | None = None
    if transaction_id is not None:
        ref = known.lookup(uow, transaction_id) if known else find_own_session_ref(uow, charge_point_id,
                                                                                    transaction_id)
    store_samples(uow, charge_point_id=charge_point_id, session_id=ref.session_id if ref else None,
                  transaction_id=transaction_id, samples=((connector_id, x) for x in samples),
                  received_at=received_at)
    if ref is not None and ref.state == "interrupted":
        # The charger booted but this transaction goes on: it was not interrupted after all.
        uow.session.execute(update(ChargingSession)
                            .where(ChargingSession.id == ref.session_id, ChargingSession.state == "interrupted")
                            .values(state="active"))
        if known is not None:
            known.remember_after_commit(uow, SessionRef(ref.session_id, ref.transaction_id, "active"))


def store_samples(uow: UnitOfWork, *, charge_point_id: uuid.UUID, session_id: uuid.UUID | None,
                  transaction_id: int | None, samples: Iterable[tuple[int, Sample]], received_at: datetime) -> None:
    rows = [{
        "session_id": session_id, "charge_point_id": charge_point_id, "connector_id": connector,
        "transaction_id": transaction_id, "timestamp": x.timestamp, "value": x.value, "context": x.context,
        "format": x.format, "measurand": x.measurand, "phase": x.phase, "location": x.location,
        "unit": x.unit, "sample_key": x.key(connector), "received_at": received_at,
    } for connector, x in samples]
    # A re-sent MeterValues (or StopTransaction) brings the same samples: stored once.
    uow.insert_later(METER_VALUES, rows, ignore_conflicts_on=("charge_point_id", "sample_key"))
