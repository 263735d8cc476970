"""Cut a session into slices over which no tariff restriction can change its mind.

A cut falls at every sample (power and charging ↔ parking change there), at every local time of day
a restriction names (and local midnight, for days and dates), at DST changes, when the energy crosses
a min/max_kwh and when the duration crosses a min/max_duration. Each slice is then judged once, at
its start, and gets, per dimension, the first element whose restrictions hold and that prices it.

Times are microseconds since the session's start: ints, or Fractions where an energy threshold is
crossed between two samples; energy is Wh, interpolated linearly between samples (exact Fractions).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from itertools import pairwise
from zoneinfo import ZoneInfo

from chargeplane.domain.pricing.spec import DAYS, Restrictions, TariffSpec
from chargeplane.domain.pricing.timeline import Timeline

Num = int | Fraction
US = 1_000_000
# The time-based dimensions a slice is billed in; FLAT is decided once, at the start.
METERED = ("ENERGY", "TIME", "PARKING_TIME")


@dataclass(frozen=True, slots=True)
class Slice:
    start_us: Num
    end_us: Num
    energy_wh: Num  # delivered within the slice
    charging: bool
    applied: tuple[int | None, int | None, int | None]  # element index per METERED dimension


@dataclass(frozen=True, slots=True)
class _Segment:
    """Between two readings: energy grows linearly, the car charges or not, at one power."""

    start_us: int
    end_us: int
    e0: Num
    e1: Num
    charging: bool
    power_kw: Fraction


class _Rule:
    """One element's restrictions, in the units the slicer works in."""

    def __init__(self, r: Restrictions | None) -> None:
        r = r or Restrictions()
        self.start_time, self.end_time = r.start_time, r.end_time
        self.start_date, self.end_date = r.start_date, r.end_date
        self.days = frozenset(DAYS.index(d) for d in r.day_of_week)
        self.min_wh = None if r.min_kwh is None else Fraction(r.min_kwh) * 1000
        self.max_wh = None if r.max_kwh is None else Fraction(r.max_kwh) * 1000
        self.min_kw = None if r.min_power is None else Fraction(r.min_power)
        self.max_kw = None if r.max_power is None else Fraction(r.max_power)
        self.min_us = None if r.min_duration is None else r.min_duration * US
        self.max_us = None if r.max_duration is None else r.max_duration * US
        self.local = bool(self.start_time or self.end_time or self.start_date or self.end_date or self.days)

    def holds(self, local: datetime | None, at_us: Num, energy_wh: Num, power_kw: Fraction) -> bool:
        if local is not None and self.local and not self._holds_locally(local):
            return False
        return (
            (self.min_wh is None or energy_wh >= self.min_wh)
            and (self.max_wh is None or energy_wh < self.max_wh)
            and (self.min_kw is None or power_kw >= self.min_kw)
            and (self.max_kw is None or power_kw < self.max_kw)
            and (self.min_us is None or at_us >= self.min_us)
            and (self.max_us is None or at_us < self.max_us)
        )

    def _holds_locally(self, local: datetime) -> bool:
        if self.days and local.weekday() not in self.days:
            return False
        day = local.date()
        if (self.start_date and day < self.start_date) or (self.end_date and day >= self.end_date):
            return False
        now = local.time()
        start, end = self.start_time, self.end_time
        if start is not None and end is not None and end < start:  # wraps past midnight
            return now >= start or now < end
        return (start is None or now >= start) and (end is None or now < end)


def segments(timeline: Timeline, end_us: int) -> list[_Segment]:
    """The readings between start and `end_us` as segments; before the first reading the car charges."""
    points: list[tuple[int, Num, bool, int | None]] = [(0, 0, True, None)]
    for sample in sorted(timeline.samples, key=lambda s: s.at):
        at = _us(sample.at - timeline.started_at)
        # A register that goes back (a meter reset) never gives energy back: energy only grows.
        energy: Num = max(sample.energy_wh, points[-1][1])
        if at > end_us:
            # A reading after the end (a running session priced `until` a moment): interpolate to it.
            t0, e0 = points[-1][0], points[-1][1]
            if t0 < end_us:
                points.append((end_us, e0 + Fraction(energy - e0) * (end_us - t0) / (at - t0), points[-1][2], None))
            break
        if at <= 0:
            points[0] = (0, 0, sample.charging, sample.power_w)
        elif at == points[-1][0]:
            points[-1] = (at, energy, sample.charging, sample.power_w)
        else:
            points.append((at, energy, sample.charging, sample.power_w))
    if points[-1][0] < end_us:
        # No reading after the last one: energy stays where it was.
        points.append((end_us, points[-1][1], points[-1][2], None))
    out = []
    for (t0, e0, charging, power_w), (t1, e1, _, _) in pairwise(points):
        if not charging:
            kw = Fraction(0)
        elif power_w is not None:
            kw = Fraction(power_w, 1000)
        else:
            kw = Fraction((e1 - e0) * 3_600_000, t1 - t0)  # Wh per µs → kW
        out.append(_Segment(t0, t1, e0, e1, charging, kw))
    return out


def slice_session(spec: TariffSpec, timeline: Timeline, end_us: int) -> tuple[list[Slice], int | None]:
    """The session's slices with the elements that apply, and the element whose FLAT applies (if any)."""
    rules = [_Rule(e.restrictions) for e in spec.elements]
    prices = [{c.type for c in e.price_components} for e in spec.elements]
    tz = ZoneInfo(timeline.time_zone)
    local_needed = any(rule.local for rule in rules)
    segs = segments(timeline, end_us)
    cuts: set[Num] = set()
    if local_needed:
        cuts.update(_local_cuts(rules, tz, timeline.started_at, end_us))
    for rule in rules:
        cuts.update(d for d in (rule.min_us, rule.max_us) if d is not None and 0 < d < end_us)
        for wh in (rule.min_wh, rule.max_wh):
            if wh is not None:
                cuts.update(_energy_crossing(segs, wh))

    def judge(at: Num, energy: Num, power: Fraction) -> list[bool]:
        local = _local(timeline.started_at, at, tz) if local_needed else None
        return [rule.holds(local, at, energy, power) for rule in rules]

    def first(holds: list[bool], dimension: str) -> int | None:
        return next((i for i, ok in enumerate(holds) if ok and dimension in prices[i]), None)

    first_power = segs[0].power_kw if segs else Fraction(0)
    flat = first(judge(0, 0, first_power), "FLAT")
    slices = []
    ordered = sorted(cuts)
    k = 0
    for seg in segs:
        while k < len(ordered) and ordered[k] <= seg.start_us:
            k += 1
        inner = []
        while k < len(ordered) and ordered[k] < seg.end_us:
            inner.append(ordered[k])
            k += 1
        bounds = [seg.start_us, *inner, seg.end_us]
        for a, b in pairwise(bounds):
            ea, eb = _energy_at(seg, a), _energy_at(seg, b)
            holds = judge(a, ea, seg.power_kw)
            # TIME is charging time, PARKING_TIME the time plugged in without charging (OCPI).
            applied = (
                first(holds, "ENERGY"),
                first(holds, "TIME") if seg.charging else None,
                None if seg.charging else first(holds, "PARKING_TIME"),
            )
            slices.append(Slice(a, b, eb - ea, seg.charging, applied))
    return slices, flat


def _us(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


def _local(started_at: datetime, at: Num, tz: ZoneInfo) -> datetime:
    # Whole µs are enough: every local boundary is a whole µs, so flooring never crosses one.
    return (started_at + timedelta(microseconds=int(at))).astimezone(tz)


def _energy_at(seg: _Segment, at: Num) -> Num:
    if at == seg.start_us or seg.e1 == seg.e0:
        return seg.e0
    if at == seg.end_us:
        return seg.e1
    return seg.e0 + Fraction(seg.e1 - seg.e0) * (at - seg.start_us) / (seg.end_us - seg.start_us)


def _energy_crossing(segs: list[_Segment], wh: Fraction) -> Iterable[Num]:
    """The moment the energy first reaches `wh`, if it does after the start."""
    for seg in segs:
        if seg.e0 < wh <= seg.e1:
            at = seg.start_us + (wh - seg.e0) * (seg.end_us - seg.start_us) / (seg.e1 - seg.e0)
            return [at.numerator if at.denominator == 1 else at]
    return []


def _local_cuts(rules: list[_Rule], tz: ZoneInfo, started_at: datetime, end_us: int) -> Iterable[int]:
    """Every instant a local wall clock shows a boundary time (both, when DST repeats it) and DST changes."""
    times = {time(0)} | {t for r in rules for t in (r.start_time, r.end_time) if t is not None}
    ended_at = started_at + timedelta(microseconds=end_us)
    day = started_at.astimezone(tz).date()
    last = ended_at.astimezone(tz).date()
    while day <= last:
        for t in times:
            for fold in (0, 1):
                at = _us(datetime.combine(day, t, tzinfo=tz).replace(fold=fold).astimezone(UTC) - started_at)
                if 0 < at < end_us:
                    yield at
        yield from (at for at in _dst_changes(day, tz, started_at) if 0 < at < end_us)
        day += timedelta(days=1)


def _dst_changes(day: date, tz: ZoneInfo, started_at: datetime) -> Iterable[int]:
    """The instant the UTC offset changes during `day` (found by bisection), so gap times cut correctly."""
    lo = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    hi = lo + timedelta(days=1, hours=3)
    if lo.astimezone(tz).utcoffset() == hi.astimezone(tz).utcoffset():
        return []
    before = lo.astimezone(tz).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if mid.astimezone(tz).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return [_us(hi - started_at)]
