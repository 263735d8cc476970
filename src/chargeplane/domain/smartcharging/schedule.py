"""A site's limit at a moment: the grid connection limit, lowered by the schedule periods in force.

Periods are local times in the site's zone (`{"days": [1..7], "start": "HH:MM", "end": "HH:MM",
"limit": n}`, Monday = 1); one whose end is not after its start runs past midnight into the next
day. Where periods overlap, the lowest limit holds; a period never raises the grid limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any
from zoneinfo import ZoneInfo


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _in_force(period: Mapping[str, Any], local: datetime) -> bool:
    start, end = _clock(period["start"]), _clock(period["end"])
    days = set(period.get("days") or range(1, 8))
    now = local.time()
    if start < end:
        return local.isoweekday() in days and start <= now < end
    # Past midnight: the part before midnight belongs to the day it starts on, the rest to the next.
    if now >= start:
        return local.isoweekday() in days
    yesterday = (local - timedelta(days=1)).isoweekday()
    return now < end and yesterday in days


def limit_at(grid_limit: Decimal, schedule: Iterable[Mapping[str, Any]], time_zone: str, at: datetime) -> Decimal:
    local = at.astimezone(ZoneInfo(time_zone))
    limits = [Decimal(str(p["limit"])) for p in schedule if _in_force(p, local)]
    return min([grid_limit, *limits])


def lowest_limit(grid_limit: Decimal, schedule: Iterable[Mapping[str, Any]], time_zone: str, start: datetime,
                 end: datetime) -> Decimal:
    """The lowest limit in force at any moment from `start` to `end`: a plan made now must hold until the
    next one, so a period that begins before then counts already (its cap applies a little early)."""
    periods = list(schedule)
    zone = ZoneInfo(time_zone)
    lowest = limit_at(grid_limit, periods, time_zone, start)
    first, last = start.astimezone(zone).date() - timedelta(days=1), end.astimezone(zone).date()
    for period in periods:
        days = set(period.get("days") or range(1, 8))
        day = first
        while day <= last:
            begins = datetime.combine(day, _clock(period["start"]), tzinfo=zone)
            if day.isoweekday() in days and start < begins <= end:
                lowest = min(lowest, Decimal(str(period["limit"])))
            day += timedelta(days=1)
    return lowest


def to_deciamps(limit: Decimal, unit: str, *, phases: int, voltage: int) -> int:
    """Amperes per phase in 0.1 A steps, rounded down: a kW limit spread over the site's phases."""
    amps = limit if unit == "A" else limit * 1000 / (voltage * phases)
    return int((amps * 10).to_integral_value(rounding=ROUND_FLOOR))
