"""A site's limit at a moment: schedule periods in the site's zone (past midnight, weekdays, DST) and kW to A."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from chargeplane.domain.smartcharging.readings import current_draw_da, soc_percent
from chargeplane.domain.smartcharging.schedule import limit_at, lowest_limit, to_deciamps
from chargeplane.domain.smartcharging.schemas import LimitPeriod, SiteLimitSet

PEAK = {"days": [1, 2, 3, 4, 5], "start": "17:00", "end": "21:00", "limit": 40}
NIGHT = {"days": [5], "start": "22:00", "end": "06:00", "limit": 10}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(("moment", "expected"), [
    ("2026-12-07T15:00:00+00:00", 40),   # Monday 17:00 in Tallinn (UTC+2): the peak cap starts
    ("2026-12-07T14:59:59+00:00", 63),   # a second before
    ("2026-12-07T19:00:00+00:00", 63),   # 21:00 local: over
    ("2026-12-12T15:30:00+00:00", 63),   # Saturday: no peak cap
    ("2026-12-11T21:30:00+00:00", 10),   # Friday 23:30: the night period
    ("2026-12-12T03:30:00+00:00", 10),   # Saturday 05:30: still Friday's night
    ("2026-12-13T03:30:00+00:00", 63),   # Sunday 05:30: Saturday had no night period
])
def test_the_lowest_period_in_force_holds(moment: str, expected: int) -> None:
    assert limit_at(Decimal(63), [PEAK, NIGHT], "Europe/Tallinn", at(moment)) == Decimal(expected)


def test_local_hours_follow_summer_time() -> None:
    # 17:00 in Tallinn is 14:00 UTC in summer (UTC+3), 15:00 UTC in winter.
    assert limit_at(Decimal(63), [PEAK], "Europe/Tallinn", at("2026-07-06T14:00:00+00:00")) == 40
    assert limit_at(Decimal(63), [PEAK], "Europe/Tallinn", at("2026-12-07T14:00:00+00:00")) == 63


def test_a_period_never_raises_the_grid_limit() -> None:
    assert limit_at(Decimal(16), [dict(PEAK, limit=100)], "UTC", at("2026-12-07T18:00:00+00:00")) == 16


def test_kilowatts_become_amperes_per_phase_rounded_down() -> None:
    assert to_deciamps(Decimal(22), "kW", phases=3, voltage=230) == 318  # 31.88 A
    assert to_deciamps(Decimal("7.4"), "kW", phases=1, voltage=230) == 321
    assert to_deciamps(Decimal("63"), "A", phases=3, voltage=230) == 630


def test_bad_periods_are_refused_with_a_reason() -> None:
    for bad, words in [({"start": "25:00", "end": "06:00", "limit": 1}, "HH:MM"),
                       ({"start": "06:00", "end": "06:00", "limit": 1}, "differ"),
                       ({"days": [0], "start": "06:00", "end": "07:00", "limit": 1}, "weekdays"),
                       ({"start": "06:00", "end": "07:00", "limit": -1}, "greater than or equal")]:
        with pytest.raises(ValidationError, match=words):
            LimitPeriod.model_validate(bad)
    with pytest.raises(ValidationError):
        SiteLimitSet.model_validate({"limit": 0})


def test_the_draw_is_read_from_current_or_else_power() -> None:
    currents = [{"value": "10.2", "measurand": "Current.Import", "phase": f"L{n}", "unit": "A"} for n in (1, 2)]
    currents.append({"value": "12.9", "measurand": "Current.Import", "phase": "L3", "unit": "A"})
    assert current_draw_da(currents) == 129  # the busiest phase
    assert current_draw_da([{"value": "11", "measurand": "Power.Active.Import", "unit": "kW"}]) == 159
    assert current_draw_da([{"value": "5000", "measurand": "Energy.Active.Import.Register"}]) is None
    assert current_draw_da([{"value": "x", "measurand": "Current.Import"}]) is None
    assert soc_percent([{"value": "81", "measurand": "SoC", "unit": "Percent"}]) == 81


def test_a_plan_keeps_the_lowest_limit_until_the_next_one() -> None:
    # Monday 16:59:50 in Tallinn: the 17:00 peak cap begins within the next 30 s, so it holds already.
    now = at("2026-12-07T14:59:50+00:00")
    assert lowest_limit(Decimal(63), [PEAK], "Europe/Tallinn", now, now + timedelta(seconds=30)) == 40
    assert lowest_limit(Decimal(63), [PEAK], "Europe/Tallinn", now, now + timedelta(seconds=5)) == 63
    # Friday's night period starts at 22:00 local and is seen from 21:59:45 (and not on a Thursday).
    friday, thursday = at("2026-12-11T19:59:45+00:00"), at("2026-12-10T19:59:45+00:00")
    assert lowest_limit(Decimal(63), [NIGHT], "Europe/Tallinn", friday, friday + timedelta(seconds=30)) == 10
    assert lowest_limit(Decimal(63), [NIGHT], "Europe/Tallinn", thursday, thursday + timedelta(seconds=30)) == 63
