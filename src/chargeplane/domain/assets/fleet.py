"""The fleet at a glance, for the dashboard, the map and `GET /fleet/status`: each charger's state
(its registration while not accepted, offline when not connected, else what its connectors say), how
many chargers are in each state, the power now, the energy and sessions of today, and the chargers that need someone.

Whether a charger is connected is known only to the live connections (`connected`), never stored as
the truth: a crashed process leaves no stale "online" behind.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, func, select

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets import service
from chargeplane.domain.assets.models import ChargePoint, Connector
from chargeplane.domain.assets.site_overview import charger_lines, charger_state
from chargeplane.domain.pricing.timeline_source import Reading, readings_of
from chargeplane.domain.sessions.models import ChargingSession, MeterValue
from chargeplane.domain.sessions.queries import running_energy
from chargeplane.domain.sessions.readings import MeterReading, values_from_json
from chargeplane.domain.tenancy.accounts import get_account
from chargeplane.domain.tenancy.service import get_tenant
from chargeplane.domain.tenancy.tree import subtree

# A charger's state in the fleet's words: `site_overview.charger_state`'s, both kinds of suspended as one.
CHARGER_STATES = ("available", "preparing", "charging", "suspended", "finishing", "reserved", "faulted",
                  "unavailable", "pending", "rejected", "unknown", "offline")
PROBLEM_STATES = ("faulted", "offline")
SITE_STATES = ("available", "occupied", "faulted", "offline", "unknown")

Connected = Callable[[uuid.UUID], bool]


def fleet_state(connected: bool, registration_status: str, statuses: dict[int, str]) -> str:
    return _fleet_word(charger_state(connected=connected, registration_status=registration_status,
                                     statuses=statuses))


def _fleet_word(state: str) -> str:
    if state.startswith("suspended"):
        return "suspended"
    return state if state in CHARGER_STATES else "unknown"


def state_of(charge_point: ChargePoint, connected: Connected) -> str:
    return fleet_state(connected(charge_point.id), charge_point.registration_status,
                       {c.connector_id: c.status for c in charge_point.connectors})


def site_state(states: Iterable[str]) -> str:
    """A site as its map marker shows it: any fault first (the operator's map), then any charger
    available, all offline, else occupied (every connected charger busy)."""
    states = list(states)
    if not states:
        return "unknown"
    if "faulted" in states:
        return "faulted"
    if "available" in states:
        return "available"
    if all(state == "offline" for state in states):
        return "offline"
    return "occupied"


class ProblemCharger(BaseModel):
    id: uuid.UUID
    identity: str
    name: str | None
    site_id: uuid.UUID | None
    state: str = Field(description="faulted or offline")
    since: datetime | None = Field(description="offline: when it disconnected; faulted: when the fault was reported")
    error_code: str | None = Field(description="the faulted connector's OCPP error code")


class FleetStatus(BaseModel):
    counts: dict[str, int] = Field(description="chargers by state (every state present): " + ", ".join(CHARGER_STATES))
    total: int
    power_w: int = Field(description="the running sessions' power now, from their latest meter values")
    running_sessions: int
    energy_today_wh: int = Field(description="energy of the sessions started today, in the time zone below")
    sessions_today: int
    day_started_at: datetime
    time_zone: str
    problems: list[ProblemCharger] = Field(description="faulted and offline chargers, offline longest first")
    problems_total: int


@dataclass(frozen=True, slots=True)
class FleetCharger:
    id: uuid.UUID
    identity: str
    name: str | None
    site_id: uuid.UUID | None
    state: str
    since: datetime | None
    error_code: str | None


def charger_filter(uow: UnitOfWork, *, site_id: uuid.UUID | None = None,
                   account_id: uuid.UUID | None = None) -> list[ColumnElement[bool]]:
    """Chargers of a site, and/or of an account with its sub-accounts; NotFound for one the caller cannot see."""
    where: list[ColumnElement[bool]] = []
    if site_id is not None:
        service.get_site(uow, site_id, field="site_id")
        where.append(ChargePoint.site_id == site_id)
    if account_id is not None:
        get_account(uow, account_id, field="account_id")
        where.append(ChargePoint.account_id.in_(subtree(uow, [account_id])))
    return where


def fleet_chargers(uow: UnitOfWork, *, connected: Connected, where: list[ColumnElement[bool]]) -> list[FleetCharger]:
    """Every charger the filter names, with its state, by identity (two queries, whatever the fleet's size)."""
    connectors: dict[uuid.UUID, list[Any]] = defaultdict(list)
    # Connectors are reached through their chargers, so that the account gate narrows them too.
    for row in uow.session.execute(select(Connector.charge_point_id, Connector.connector_id, Connector.status,
                                          Connector.error_code, Connector.status_at)
                                   .join(ChargePoint, ChargePoint.id == Connector.charge_point_id).where(*where)):
        connectors[row.charge_point_id].append(row)
    found = []
    for cp in uow.session.execute(select(ChargePoint.id, ChargePoint.identity, ChargePoint.name, ChargePoint.site_id,
                                         ChargePoint.registration_status, ChargePoint.disconnected_at)
                                  .where(*where).order_by(ChargePoint.identity)):
        mine = connectors.get(cp.id, [])
        state = fleet_state(connected(cp.id), cp.registration_status, {c.connector_id: c.status for c in mine})
        faults = [c for c in mine if c.status.lower() == "faulted"]
        since = cp.disconnected_at if state == "offline" else max((c.status_at for c in faults), default=None)
        found.append(FleetCharger(id=cp.id, identity=cp.identity, name=cp.name, site_id=cp.site_id, state=state,
                                  since=since, error_code=faults[0].error_code if faults else None))
    return found


def start_of_day(now: datetime, time_zone: str) -> datetime:
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)


def fleet_status(uow: UnitOfWork, *, connected: Connected, now: datetime, time_zone: str | None = None,
                 site_id: uuid.UUID | None = None, account_id: uuid.UUID | None = None,
                 problem_limit: int = 50) -> FleetStatus:
    """`time_zone` says when today began (the tenant's when not given)."""
    zone = time_zone or get_tenant(uow).time_zone
    where = charger_filter(uow, site_id=site_id, account_id=account_id)
    chargers = fleet_chargers(uow, connected=connected, where=where)
    counts = dict.fromkeys(CHARGER_STATES, 0)
    for charger in chargers:
        counts[charger.state] += 1
    problems = sorted((c for c in chargers if c.state in PROBLEM_STATES),
                      key=lambda c: (c.state != "offline", c.since is not None, c.since or now, c.identity))
    day_start = start_of_day(now, zone)
    on_chargers: list[ColumnElement[bool]] = \
        [ChargingSession.charge_point_id.in_(select(ChargePoint.id).where(*where))] if where else []
    running = list(uow.session.scalars(select(ChargingSession).where(ChargingSession.state == "active",
                                                                      *on_chargers)))
    energy, sessions_today = _today(uow, day_start, on_chargers)
    power = sum(power_now_w(uow, [s.id for s in running if s.charge_point_id and connected(s.charge_point_id)])
                .values())
    return FleetStatus(
        counts=counts, total=len(chargers), power_w=round(power), running_sessions=len(running),
        energy_today_wh=energy, sessions_today=sessions_today, day_started_at=day_start, time_zone=zone,
        problems=[ProblemCharger(id=c.id, identity=c.identity, name=c.name, site_id=c.site_id, state=c.state,
                                 since=c.since, error_code=c.error_code) for c in problems[:problem_limit]],
        problems_total=len(problems),
    )


def _today(uow: UnitOfWork, day_start: datetime, on_chargers: list[ColumnElement[bool]]) -> tuple[int, int]:
    """Energy (Wh) and number of the sessions started since `day_start`: stopped ones as recorded, the
    others so far."""
    started = [ChargingSession.started_at >= day_start, *on_chargers]
    done_count, done_wh = uow.session.execute(
        select(func.count(), func.coalesce(func.sum(ChargingSession.energy_wh), 0))
        .where(ChargingSession.state == "completed", *started)).one()
    going = list(uow.session.scalars(select(ChargingSession).where(ChargingSession.state != "completed", *started)))
    return int(done_wh) + sum(running_energy(uow, going).values()), int(done_count) + len(going)


def power_now_w(uow: UnitOfWork, session_ids: list[uuid.UUID]) -> dict[uuid.UUID, float]:
    """Each session's power at its latest reading: measured, else from the energy since the reading
    before (one query for all, two readings each)."""
    if not session_ids:
        return {}
    rank = func.row_number().over(partition_by=MeterValue.session_id,
                                  order_by=(MeterValue.timestamp.desc(), MeterValue.id.desc())).label("rank")
    ranked = (select(MeterValue.session_id, MeterValue.timestamp, MeterValue.sampled_values, rank)
              .where(MeterValue.session_id.in_(session_ids)).subquery())
    latest: dict[uuid.UUID, list[MeterReading]] = defaultdict(list)
    for row in uow.session.execute(select(ranked.c.session_id, ranked.c.timestamp, ranked.c.sampled_values)
                                   .where(ranked.c.rank <= 2).order_by(ranked.c.session_id, ranked.c.rank.desc())):
        latest[row.session_id].append(MeterReading(row.timestamp, values_from_json(row.sampled_values)))
    return {session_id: _power_w(readings_of(readings)) for session_id, readings in latest.items()}


def _power_w(readings: list[Reading]) -> float:
    """Oldest first."""
    last = readings[-1]
    if last.power_w is not None:
        return float(last.power_w)
    if len(readings) < 2 or last.register_wh is None or readings[0].register_wh is None:
        return 0.0
    seconds = (last.at - readings[0].at).total_seconds()
    return max(0.0, (last.register_wh - readings[0].register_wh) * 3600 / seconds) if seconds > 0 else 0.0


def charge_points_in_state(uow: UnitOfWork, *, where: service.ChargePointFilter, state: str | None,
                           connected: Connected, limit: int, after: tuple[Any, uuid.UUID] | None = None
                           ) -> list[ChargePoint]:
    """A page of `service.list_charge_points`, keeping only chargers in `state` (known only live, so
    filtered here, a batch at a time)."""
    if state is None:
        return service.list_charge_points(uow, where=where, limit=limit, after=after)
    batch = max(limit * 4, 100)
    found: list[ChargePoint] = []
    while True:
        rows = service.list_charge_points(uow, where=where, limit=batch, after=after)
        for cp in rows:
            if state_of(cp, connected) == state:
                found.append(cp)
                if len(found) == limit:
                    return found
        if len(rows) < batch:
            return found
        after = (rows[-1].created_at, rows[-1].id)


class SiteStatus(BaseModel):
    id: uuid.UUID
    name: str
    address: str | None
    latitude: float | None
    longitude: float | None
    state: str = Field(description=", ".join(SITE_STATES))
    counts: dict[str, int] = Field(description="the site's chargers by state (only states present)")
    total: int


def site_statuses(uow: UnitOfWork, *, connected: Connected) -> list[SiteStatus]:
    """Every site the caller sees, by name, with its chargers' states."""
    by_site: dict[uuid.UUID | None, list[str]] = defaultdict(list)
    for line in charger_lines(uow, connected=connected):
        by_site[line.site_id].append(_fleet_word(line.state))
    out = []
    for site in service.list_sites(uow):
        states = by_site.get(site.id, [])
        out.append(SiteStatus(id=site.id, name=site.name, address=site.address, latitude=site.latitude,
                              longitude=site.longitude, state=site_state(states), counts=dict(Counter(states)),
                              total=len(states)))
    return out
