"""What a charger's messages name most often, kept in memory between them: its transactions.

MeterValues arrive every few seconds per charging connector and each names its transaction; looking
the session up in the database every time would be most of the work of the hot path. A charger's
sessions change only through that charger's own messages (start, stop, boot), which one connection
handles in order, so a per-connection memory stays true. Lookups fill it from the database; changes
reach it only after their unit committed (`uow.after_commit`), so it never holds what was rolled back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.sessions.models import ChargingSession


@dataclass(frozen=True, slots=True)
class SessionRef:
    session_id: uuid.UUID
    transaction_id: int
    state: str


class KnownSessions:
    """One charger's transactions by transactionId. Not shared between chargers or connections."""

    MAX_ENTRIES = 64  # a charger has a few connectors; old transactions fall out first

    def __init__(self, charge_point_id: uuid.UUID) -> None:
        self.charge_point_id = charge_point_id
        self._refs: dict[int, SessionRef] = {}

    def lookup(self, uow: UnitOfWork, transaction_id: int) -> SessionRef | None:
        ref = self._refs.get(transaction_id)
        if ref is not None:
            return ref
        ref = find_own_session_ref(uow, self.charge_point_id, transaction_id)
        if ref is not None:
            self._put(ref)  # read from committed data: true now
        return ref

    def remember_after_commit(self, uow: UnitOfWork, ref: SessionRef) -> None:
        uow.after_commit(lambda: self._put(ref))

    def forget_all_after_commit(self, uow: UnitOfWork) -> None:
        uow.after_commit(self._refs.clear)

    def _put(self, ref: SessionRef) -> None:
        if len(self._refs) >= self.MAX_ENTRIES and ref.transaction_id not in self._refs:
            self._refs.pop(next(iter(self._refs)))
        self._refs[ref.transaction_id] = ref


def find_own_session_ref(uow: UnitOfWork, charge_point_id: uuid.UUID, transaction_id: int) -> SessionRef | None:
    """A charger can only touch its own transactions: the lookup always includes the charger."""
    if transaction_id <= 0:
        return None
    row = uow.session.execute(
        select(ChargingSession.id, ChargingSession.state).where(
            ChargingSession.charge_point_id == charge_point_id, ChargingSession.transaction_id == transaction_id)
    ).first()
    return SessionRef(row.id, transaction_id, row.state) if row is not None else None
