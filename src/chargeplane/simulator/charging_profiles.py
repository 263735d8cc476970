"""The charge point's installed charging profiles (OCPP 1.6 §3.13 Smart Charging) and the limits they set.

Pure: every question names the moment it is about, so tests hand it explicit times. The limit in force
on a connector is the smallest of the ChargePointMaxProfile's (a cap on what the whole charge point
draws) and the connector's own: its TxProfile if one is in force, else its TxDefaultProfile. Within a
purpose the profile of the highest stackLevel that is in force at that moment prevails: valid
(validFrom..validTo) and inside its schedule (after the first period starts, before `duration` ends),
so a short high-level profile lets the lower one show through once it is over.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chargeplane.simulator.meter import NOMINAL_VOLTAGE

CHARGE_POINT_MAX = "ChargePointMaxProfile"
TX_DEFAULT = "TxDefaultProfile"
TX = "TxProfile"
PURPOSES = (CHARGE_POINT_MAX, TX_DEFAULT, TX)
ABSOLUTE, RECURRING, RELATIVE = "Absolute", "Recurring", "Relative"
RECURRENCE_SECONDS = {"Daily": 86_400, "Weekly": 7 * 86_400}
UNITS = {"A": "Current", "W": "Power"}  # as ChargingScheduleAllowedChargingRateUnit spells them
DEFAULT_PHASES = 3                      # a period without numberPhases (OCPP 1.6 §7.13)
MAX_COMPOSITE_PERIODS = 1_000           # a GetCompositeSchedule answer has to end somewhere


class InvalidProfile(Exception):
    """A profile the charge point refuses: SetChargingProfile answers Rejected."""


@dataclass(frozen=True, slots=True)
class SchedulePeriod:
    start_period: int   # seconds from the start of the schedule
    limit: float        # in the schedule's unit
    number_phases: int | None = None


@dataclass(frozen=True, slots=True)
class ChargingSchedule:
    unit: str  # "A" or "W"
    periods: tuple[SchedulePeriod, ...]
    duration: int | None = None
    start_schedule: datetime | None = None
    min_charging_rate: float | None = None  # what the car needs at least; kept, not acted on


@dataclass(frozen=True, slots=True)
class ChargingProfile:
    id: int
    connector_id: int
    stack_level: int
    purpose: str
    kind: str
    schedule: ChargingSchedule
    installed_at: datetime  # where a ChargePointMaxProfile without a start begins
    recurrency: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    transaction_id: int | None = None


@dataclass(frozen=True, slots=True)
class Limit:
    """A rate in force, kept in watts over `phases` phases at the nominal voltage."""

    watts: float
    phases: int

    @classmethod
    def of(cls, value: float, unit: str, phases: int) -> Limit:
        return cls(value if unit == "W" else value * NOMINAL_VOLTAGE * phases, phases)

    @property
    def amps(self) -> float:
        """Per phase."""
        return self.watts / (NOMINAL_VOLTAGE * self.phases)

    def value_in(self, unit: str) -> float:
        return self.watts if unit == "W" else self.amps


@dataclass(frozen=True, slots=True)
class Reading:
    """One profile at one moment: the period in force (None: it sets nothing now), and when that may change."""

    period: SchedulePeriod | None
    changes_at: datetime | None


# ---- reading a request ---------------------------------------------------------------------------


def parse_profile(connector_id: int, p: dict[str, Any], *, received_at: datetime) -> ChargingProfile:
    """csChargingProfiles as the charge point keeps it. A missing field raises KeyError and a value of the
    wrong kind ValueError (both CALLERRORs); a profile that breaks the rules raises InvalidProfile."""
    purpose, kind = _one_of(p["chargingProfilePurpose"], PURPOSES), _one_of(p["chargingProfileKind"],
                                                                          (ABSOLUTE, RECURRING, RELATIVE))
    s = p["chargingSchedule"]
    periods = tuple(SchedulePeriod(int(x["startPeriod"]), float(x["limit"]),
                                   int(x["numberPhases"]) if x.get("numberPhases") is not None else None)
                    for x in s["chargingSchedulePeriod"])
    schedule = ChargingSchedule(
        unit=_one_of(s["chargingRateUnit"], tuple(UNITS)), periods=periods,
        duration=int(s["duration"]) if s.get("duration") is not None else None,
        start_schedule=_time(s.get("startSchedule")),
        min_charging_rate=float(s["minChargingRate"]) if s.get("minChargingRate") is not None else None)
    recurrency = p.get("recurrencyKind")
    profile = ChargingProfile(
        id=int(p["chargingProfileId"]), connector_id=connector_id, stack_level=int(p["stackLevel"]),
        purpose=purpose, kind=kind, schedule=schedule, installed_at=received_at,
        recurrency=_one_of(recurrency, tuple(RECURRENCE_SECONDS)) if recurrency is not None else None,
        valid_from=_time(p.get("validFrom")), valid_to=_time(p.get("validTo")),
        transaction_id=int(p["transactionId"]) if p.get("transactionId") is not None else None)
    problem = _problem(profile)
    if problem:
        raise InvalidProfile(problem)
    return profile


def _problem(profile: ChargingProfile) -> str | None:
    """What makes a profile unusable whatever the charger's state (None: nothing)."""
    schedule = profile.schedule
    if profile.purpose == CHARGE_POINT_MAX and profile.connector_id != 0:
        return "a ChargePointMaxProfile belongs to connector 0"
    if profile.purpose == TX and profile.connector_id == 0:
        return "a TxProfile belongs to a connector, not to the charge point"
    if profile.transaction_id is not None and profile.purpose != TX:
        return "only a TxProfile names a transaction"
    if profile.kind == RECURRING and (profile.recurrency is None or schedule.start_schedule is None):
        return "a Recurring profile needs recurrencyKind and startSchedule"
    if profile.stack_level < 0 or profile.id <= 0:
        return "negative stackLevel, or chargingProfileId not positive"
    if profile.valid_from and profile.valid_to and profile.valid_to <= profile.valid_from:
        return "validTo is not after validFrom"
    if not schedule.periods:
        return "no chargingSchedulePeriod"
    starts = [p.start_period for p in schedule.periods]
    if starts[0] < 0 or any(b <= a for a, b in itertools.pairwise(starts)):
        return "startPeriod must grow from 0 or more"
    if any(p.limit < 0 or p.number_phases not in (None, 1, 2, 3) for p in schedule.periods):
        return "a negative limit or a numberPhases other than 1..3"
    if schedule.duration is not None and schedule.duration <= 0:
        return "duration must be positive"
    return None


def _one_of(value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# ---- one profile at one moment -------------------------------------------------------------------


def read(profile: ChargingProfile, at: datetime, anchor: datetime | None) -> Reading:
    """The period of `profile` in force at `at`. `anchor` is where a Relative schedule (and an Absolute
    one without startSchedule) starts: the transaction's start; None when there is nothing to start from."""
    if profile.valid_to is not None and at >= profile.valid_to:
        return Reading(None, None)
    if profile.valid_from is not None and at < profile.valid_from:
        return Reading(None, profile.valid_from)
    start, cycle = _schedule_start(profile, at, anchor)
    if start is None:
        return Reading(None, profile.valid_to)
    if at < start:
        return Reading(None, _earliest(start, profile.valid_to))
    schedule = profile.schedule
    elapsed = (at - start).total_seconds()
    duration = schedule.duration
    if cycle is not None:  # a recurrence ends where the next one begins
        duration = cycle if duration is None else min(duration, cycle)
    next_cycle = start + timedelta(seconds=cycle) if cycle is not None else None
    if duration is not None and elapsed >= duration:
        return Reading(None, _earliest(next_cycle, profile.valid_to))
    current: SchedulePeriod | None = None
    upcoming: datetime | None = None
    for period in schedule.periods:
        if period.start_period <= elapsed:
            current = period
        else:
            upcoming = start + timedelta(seconds=period.start_period)
            break
    end = start + timedelta(seconds=duration) if duration is not None else None
    return Reading(current, _earliest(upcoming, end, next_cycle, profile.valid_to))


def _schedule_start(profile: ChargingProfile, at: datetime, anchor: datetime | None
                    ) -> tuple[datetime | None, int | None]:
    """Where the schedule (or its current recurrence) starts, and the recurrence's length in seconds."""
    if profile.kind == RECURRING:
        base = profile.schedule.start_schedule
        assert base is not None and profile.recurrency is not None  # parse_profile saw to that
        cycle = RECURRENCE_SECONDS[profile.recurrency]
        if at < base:
            return base, cycle
        cycles = math.floor((at - base).total_seconds() / cycle)
        return base + timedelta(seconds=cycles * cycle), cycle
    if profile.kind == RELATIVE:
        return anchor, None
    return profile.schedule.start_schedule or anchor, None


def _earliest(*moments: datetime | None) -> datetime | None:
    return min((m for m in moments if m is not None), default=None)


# ---- the store -----------------------------------------------------------------------------------


class ProfileStore:
    """The profiles installed on one charge point, by connector (0: the charge point as a whole)."""

    def __init__(self) -> None:
        self._profiles: list[ChargingProfile] = []

    def __len__(self) -> int:
        return len(self._profiles)

    @property
    def profiles(self) -> list[ChargingProfile]:
        return list(self._profiles)

    def count_with(self, profile: ChargingProfile) -> int:
        """How many profiles there would be with `profile` installed (what it replaces goes)."""
        return sum(1 for p in self._profiles if not _replaced_by(p, profile)) + 1

    def install(self, profile: ChargingProfile) -> None:
        """Same chargingProfileId, or same connector, purpose and stackLevel: the new one replaces it."""
        self._profiles = [p for p in self._profiles if not _replaced_by(p, profile)] + [profile]

    def clear(self, *, profile_id: int | None = None, connector_id: int | None = None,
              purpose: str | None = None, stack_level: int | None = None) -> int:
        """ClearChargingProfile: by id alone, or every profile that matches the criteria given. Returns
        how many went."""
        def goes(p: ChargingProfile) -> bool:
            if profile_id is not None:
                return p.id == profile_id
            return ((connector_id is None or p.connector_id == connector_id)
                    and (purpose is None or p.purpose == purpose)
                    and (stack_level is None or p.stack_level == stack_level))

        kept = [p for p in self._profiles if not goes(p)]
        cleared = len(self._profiles) - len(kept)
        self._profiles = kept
        return cleared

    def drop_transaction_profiles(self, connector_id: int) -> None:
        """A TxProfile lives as long as its transaction."""
        self._profiles = [p for p in self._profiles if not (p.purpose == TX and p.connector_id == connector_id)]

    def charge_point_limit(self, at: datetime, phases: int) -> tuple[Limit | None, datetime | None]:
        """The ChargePointMaxProfile limit in force (on the sum over connectors) and when it may change."""
        found = [(p, p.installed_at) for p in self._profiles if p.purpose == CHARGE_POINT_MAX]
        return _prevailing(found, at, phases)

    def connector_limit(self, connector_id: int, at: datetime, anchor: datetime | None,
                        phases: int) -> tuple[Limit | None, datetime | None]:
        """The connector's own limit in force: its TxProfile, else its TxDefaultProfile (one set on the
        connector before one set on connector 0 of the same stackLevel); and when it may change."""
        tx = [(p, anchor) for p in self._profiles if p.purpose == TX and p.connector_id == connector_id]
        limit, tx_change = _prevailing(tx, at, phases)
        if limit is not None:
            return limit, tx_change
        defaults = [(p, anchor) for p in self._profiles
                    if p.purpose == TX_DEFAULT and p.connector_id in (connector_id, 0)]
        defaults.sort(key=lambda found: found[0].connector_id == 0)  # stable: ties go to the connector's own
        limit, default_change = _prevailing(defaults, at, phases)
        return limit, _earliest(tx_change, default_change)


def _replaced_by(old: ChargingProfile, new: ChargingProfile) -> bool:
    return old.id == new.id or (old.connector_id, old.purpose, old.stack_level) == (
        new.connector_id, new.purpose, new.stack_level)


def _prevailing(candidates: Sequence[tuple[ChargingProfile, datetime | None]], at: datetime,
                phases: int) -> tuple[Limit | None, datetime | None]:
    """The limit of the highest stackLevel in force among `candidates` (profile, anchor), and the next
    moment any of those up to it may change."""
    changes: list[datetime | None] = []
    for profile, anchor in sorted(candidates, key=lambda found: -found[0].stack_level):
        reading = read(profile, at, anchor)
        changes.append(reading.changes_at)
        if reading.period is not None:
            period_phases = min(reading.period.number_phases or DEFAULT_PHASES, phases)
            return Limit.of(reading.period.limit, profile.schedule.unit, period_phases), _earliest(*changes)
    return None, _earliest(*changes)


def lowest(*limits: Limit | None) -> Limit | None:
    return min((limit for limit in limits if limit is not None), key=lambda limit: limit.watts, default=None)


def share(cap_w: float, demands: Mapping[int, float]) -> dict[int, float]:
    """Split `cap_w` among connectors wanting `demands` watts: nobody gets more than it wants, the rest
    is shared evenly, and the sum never exceeds the cap."""
    shares: dict[int, float] = {}
    left = max(cap_w, 0.0)
    waiting = sorted(demands.items(), key=lambda item: item[1])
    for n, (connector_id, demand) in enumerate(waiting):
        shares[connector_id] = min(demand, left / (len(waiting) - n))
        left -= shares[connector_id]
    return shares


# ---- GetCompositeSchedule ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outlet:
    """What the composite schedule needs of a connector: the most it can give, and where its schedules
    start (its transaction's start, or the schedule's start when it has none)."""

    max_w: float
    anchor: datetime


def limit_at(store: ProfileStore, connector_id: int, at: datetime, outlets: Mapping[int, Outlet],
             phases: int) -> tuple[Limit, datetime | None]:
    """The limit a connector (0: the whole charge point) works under at `at`, its own maximum included."""
    cap, cap_change = store.charge_point_limit(at, phases)
    changes: list[datetime | None] = [cap_change]
    if connector_id != 0:
        own, own_change = store.connector_limit(connector_id, at, outlets[connector_id].anchor, phases)
        changes.append(own_change)
        limit = lowest(Limit(outlets[connector_id].max_w, phases), own, cap)
    else:
        total = 0.0
        for n, outlet in outlets.items():
            own, own_change = store.connector_limit(n, at, outlet.anchor, phases)
            changes.append(own_change)
            total += min(outlet.max_w, own.watts if own is not None else math.inf)
        limit = lowest(Limit(total, phases), cap)
    assert limit is not None
    return limit, _earliest(*changes)


def composite_schedule(store: ProfileStore, connector_id: int, *, start: datetime, duration: int, unit: str,
                       outlets: Mapping[int, Outlet], phases: int) -> list[dict[str, Any]]:
    """The chargingSchedulePeriods of GetCompositeSchedule.conf: the limit in force from `start` for
    `duration` seconds in `unit`, one period per change (startPeriod in whole seconds from `start`)."""
    end = start + timedelta(seconds=duration)
    periods: list[dict[str, Any]] = []
    at = start
    while at < end and len(periods) < MAX_COMPOSITE_PERIODS:
        limit, changes_at = limit_at(store, connector_id, at, outlets, phases)
        period = {"startPeriod": round((at - start).total_seconds()), "limit": _tenth(limit.value_in(unit)),
                  "numberPhases": limit.phases}
        if periods and periods[-1]["startPeriod"] == period["startPeriod"]:
            periods.pop()  # two changes within a second: the later one holds
        if not periods or _differs(periods[-1], period):
            periods.append(period)
        if changes_at is None:
            break
        at = changes_at if changes_at > at else at + timedelta(seconds=1)
    return periods


def _differs(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (a["limit"], a["numberPhases"]) != (b["limit"], b["numberPhases"])


def _tenth(value: float) -> float | int:
    """Limits are multiples of 0.1; whole ones go out as integers."""
    rounded = round(value, 1)
    return int(rounded) if rounded.is_integer() else rounded


def units_allowed(setting: str) -> set[str]:
    """ChargingScheduleAllowedChargingRateUnit ("Current,Power") as units ("A", "W")."""
    names = {name.strip().lower() for name in setting.split(",")}
    return {unit for unit, name in UNITS.items() if name.lower() in names}
