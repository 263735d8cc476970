"""Sites with their chargers as an operator looks at them ("stations"): which chargers each site
holds and the state each is in now, read in two light queries (no meter values, no history)."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.models import ChargePoint, Connector

# When a charger's connectors differ, the one that says most about the charger names its state.
_PRECEDENCE = ("faulted", "charging", "suspendedevse", "suspendedev", "finishing", "preparing", "reserved",
               "available", "unavailable")


@dataclass(frozen=True, slots=True)
class ChargerLine:
    id: uuid.UUID
    identity: str
    name: str | None
    site_id: uuid.UUID | None
    state: str  # an OCPP connector status in lower case, or offline / pending / rejected / unknown


def charger_state(*, connected: bool, registration_status: str, statuses: dict[int, str]) -> str:
    """One word for a charger: not accepted → its registration; not connected → offline; a faulted or
    unavailable charger as a whole (connector 0) → that; else its most telling connector."""
    if registration_status != "accepted":
        return registration_status
    if not connected:
        return "offline"
    whole = statuses.get(0, "").lower()
    if whole in ("faulted", "unavailable"):
        return whole
    found = {status.lower() for number, status in statuses.items() if number != 0} or ({whole} - {""})
    return next((state for state in _PRECEDENCE if state in found), "unknown")


def charger_lines(uow: UnitOfWork, *, connected: Callable[[uuid.UUID], bool],
                  site_id: uuid.UUID | None = None) -> list[ChargerLine]:
    """The chargers the caller sees (of one site, if given), by name, each with its state now."""
    query = select(ChargePoint.id, ChargePoint.identity, ChargePoint.name, ChargePoint.site_id,
                   ChargePoint.registration_status)
    if site_id is not None:
        query = query.where(ChargePoint.site_id == site_id)
    chargers = uow.session.execute(query.order_by(ChargePoint.name, ChargePoint.identity)).all()
    statuses: dict[uuid.UUID, dict[int, str]] = defaultdict(dict)
    ids = [row.id for row in chargers]
    for start in range(0, len(ids), 500):
        for cp_id, number, status in uow.session.execute(
                select(Connector.charge_point_id, Connector.connector_id, Connector.status)
                .where(Connector.charge_point_id.in_(ids[start:start + 500]))):
            statuses[cp_id][number] = status
    return [ChargerLine(row.id, row.identity, row.name, row.site_id,
                        charger_state(connected=connected(row.id), registration_status=row.registration_status,
                                      statuses=statuses.get(row.id, {})))
            for row in chargers]


def states_by_site(lines: list[ChargerLine]) -> dict[uuid.UUID, Counter[str]]:
    """How many chargers of each site are in each state."""
    counts: dict[uuid.UUID, Counter[str]] = defaultdict(Counter)
    for line in lines:
        if line.site_id is not None:
            counts[line.site_id][line.state] += 1
    return counts
