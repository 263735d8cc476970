"""A session's timeline for the pricing engine, from what the core stored: meter readings and status changes.

Energy comes from the import register (minus the meter start), charging or not from the connector's
status: Charging charges; SuspendedEV, SuspendedEVSE and Finishing park. While no such status is known
(a charger that reports none, or only Preparing/Available), an interval in which energy flowed is
charging and one in which none did is parking. A register that goes backwards is held at its highest
value (the core flags such a session abnormal), so the timeline's energy never decreases.

A status change between two readings becomes a sample of its own, with the energy interpolated
linearly between the readings around it: the time and energy before it are priced as before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

import orjson
from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.models import StatusChange
from chargeplane.domain.pricing.timeline import Sample, Timeline
from chargeplane.domain.sessions.models import ChargingSession, MeterValue
from chargeplane.domain.sessions.readings import MeterReading

CHARGING_STATUSES = frozenset({"Charging"})
PARKING_STATUSES = frozenset({"SuspendedEV", "SuspendedEVSE", "Finishing"})
# The status in force at the start may have been reported a little before the StartTransaction's time.
STATUS_LOOKBACK = timedelta(minutes=15)
POWER = "Power.Active.Import"


@dataclass(frozen=True, slots=True)
class Reading:
    """One stored (or just received) meter reading, as pricing and the CDR need it."""

    at: datetime
    register_wh: int | None
    power_w: int | None
    signed: tuple[str, ...]  # the SignedData values, exactly as sent


def load_readings(uow: UnitOfWork, session: ChargingSession) -> list[Reading]:
    """The session's readings in time order, with one query."""
    rows = uow.session.execute(
        select(MeterValue.timestamp, MeterValue.energy_register_wh, MeterValue.sampled_values)
        .where(MeterValue.session_id == session.id)
        .order_by(MeterValue.timestamp, MeterValue.id)
    )
    return [_reading(at, register, values) for at, register, values in rows]


def readings_of(received: Iterable[MeterReading]) -> list[Reading]:
    """Readings that came with this very message and are not stored yet (a StopTransaction's transactionData)."""
    return [_reading(r.timestamp, r.energy_register_wh(), r.values_json()) for r in received]


def _reading(at: datetime, register: int | None, values_json: str) -> Reading:
    # Most readings hold neither power nor signed data: skip parsing them.
    if POWER not in values_json and "SignedData" not in values_json:
        return Reading(at, register, None, ())
    power: int | None = None
    signed: list[str] = []
    for value in orjson.loads(values_json):
        if value.get("format") == "SignedData":
            signed.append(value["value"])
        elif power is None and value.get("measurand") == POWER and "phase" not in value:
            power = _watts(value)
    return Reading(at, register, power, tuple(signed))


def _watts(value: dict[str, str]) -> int | None:
    try:
        amount = Decimal(value["value"])
    except (InvalidOperation, KeyError):
        return None
    unit = value.get("unit", "W")
    if unit == "kW":
        amount *= 1000
    elif unit != "W":
        return None
    return int(amount) if amount.is_finite() and amount >= 0 else None


def load_statuses(uow: UnitOfWork, session: ChargingSession, until: datetime | None) -> list[tuple[datetime, str]]:
    """The connector's status changes from shortly before the start until the end (or `until`)."""
    if session.charge_point_id is None or session.started_at is None:
        return []
    query = (select(StatusChange.status_at, StatusChange.status)
             .where(StatusChange.charge_point_id == session.charge_point_id,
                    StatusChange.connector_id == session.connector_id,
                    StatusChange.status_at >= session.started_at - STATUS_LOOKBACK)
             .order_by(StatusChange.status_at, StatusChange.id))
    end = session.stopped_at or until
    if end is not None:
        query = query.where(StatusChange.status_at <= end)
    return [(at, status) for at, status in uow.session.execute(query)]


def timeline_of(uow: UnitOfWork, session: ChargingSession, *, until: datetime | None = None,
                extra: Sequence[Reading] = ()) -> Timeline:
    """The session's timeline; `until` bounds a running session's status changes (its `now`)."""
    return build_timeline(session, [*load_readings(uow, session), *extra], load_statuses(uow, session, until))


def time_zone_of(session: ChargingSession) -> str:
    return session.tariff_time_zone or "UTC"


def build_timeline(session: ChargingSession, readings: Sequence[Reading],
                   statuses: Sequence[tuple[datetime, str]]) -> Timeline:
    """Pure: the timeline from loaded readings and status changes (each in time order or not)."""
    start = session.started_at or session.stopped_at or session.created_at
    end = session.stopped_at if session.state == "completed" else None
    if end is not None and end < start:  # stopped before it started: abnormal, and nothing to price
        end = start
    points = _energy_points(session, start, end, readings)
    power = {r.at: r.power_w for r in readings if r.power_w is not None}
    states = _states(start, end, statuses)
    times = sorted({t for t, _ in points} | {t for t, _ in states if t > start})
    energies = _energies_at(points, times)
    samples = []
    k = -1  # the state in force: the last one that began at or before t
    for i, t in enumerate(times):
        while k + 1 < len(states) and states[k + 1][0] <= t:
            k += 1
        known = states[k][1] if k >= 0 else None
        if known is None:  # no status says: energy flowing is charging (looking ahead; at the end, back)
            if i + 1 < len(times):
                known = energies[i + 1] > energies[i]
            else:
                known = i > 0 and energies[i] > energies[i - 1]
        samples.append(Sample(at=t, energy_wh=energies[i], charging=known, power_w=power.get(t)))
    return Timeline(started_at=start, ended_at=end, time_zone=time_zone_of(session), samples=tuple(samples))


def _energy_points(session: ChargingSession, start: datetime, end: datetime | None,
                   readings: Sequence[Reading]) -> list[tuple[datetime, int]]:
    """(time, energy since the start), never decreasing, from the start to the last reading or the stop."""
    meter_start = session.meter_start_wh
    if meter_start is None:  # an orphan stop: no start, nothing measured
        return [(start, 0)] + ([(end, 0)] if end is not None and end > start else [])
    raw = [(start, meter_start)]
    raw += sorted((r.at, r.register_wh) for r in readings
                  if r.register_wh is not None and start < r.at and (end is None or r.at < end))
    if end is not None and session.meter_stop_wh is not None:
        raw.append((end, session.meter_stop_wh))
    points: list[tuple[datetime, int]] = []
    highest = 0
    for at, register in raw:
        highest = max(highest, register - meter_start)
        if points and points[-1][0] == at:
            points[-1] = (at, highest)
        else:
            points.append((at, highest))
    return points


def _states(start: datetime, end: datetime | None, statuses: Sequence[tuple[datetime, str]]
            ) -> list[tuple[datetime, bool | None]]:
    """(from when, charging / parking / unknown) over the session; the state at the start comes first."""
    ordered = sorted(statuses, key=lambda s: s[0])
    states: list[tuple[datetime, bool | None]] = []
    for at, status in ordered:
        if end is not None and at > end:
            break
        state = True if status in CHARGING_STATUSES else False if status in PARKING_STATUSES else None
        at = max(at, start)
        if states and states[-1][0] == at:
            states[-1] = (at, state)  # the later report at the same moment wins
        else:
            states.append((at, state))
    return states


def _energies_at(points: list[tuple[datetime, int]], times: list[datetime]) -> list[int]:
    """Energy at each of `times` (sorted): linear between the points around it, the last point's after them."""
    out = []
    j = 0
    for t in times:
        while j + 1 < len(points) and points[j + 1][0] <= t:
            j += 1
        at0, e0 = points[j]
        if at0 >= t or j + 1 == len(points):
            out.append(e0)
        else:
            at1, e1 = points[j + 1]
            out.append(e0 + int((e1 - e0) * ((t - at0) / (at1 - at0))))
    return out
