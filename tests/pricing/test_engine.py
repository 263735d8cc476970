"""Worked examples for the pricing engine: each amount below is worked out by hand in the comments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from chargeplane.domain.pricing.engine import Cost, cost_to_json, price
from chargeplane.domain.pricing.spec import spec_from_json
from chargeplane.domain.pricing.timeline import Sample, Timeline

TALLINN = "Europe/Tallinn"

# Start fee 0.50, 0.30/kWh by day, 0.20/kWh 22:00-07:00, 1.20 per charging hour; VAT 22 % on all.
TIME_OF_USE: dict[str, Any] = {
    "currency": "EUR",
    "elements": [
        {"price_components": [{"type": "FLAT", "price": "0.50", "vat": 22, "step_size": 1}]},
        {
            "price_components": [{"type": "ENERGY", "price": "0.20", "vat": 22, "step_size": 1}],
            "restrictions": {"start_time": "22:00", "end_time": "07:00"},
        },
        {
            "price_components": [
                {"type": "ENERGY", "price": "0.30", "vat": 22, "step_size": 1},
                {"type": "TIME", "price": "1.20", "vat": 22, "step_size": 1},
            ]
        },
    ],
}


def steady(start: datetime, hours: float, *, kw: int = 1, every: timedelta = timedelta(hours=1)) -> Timeline:
    """A car drawing `kw` from start to end, read every `every`."""
    end = start + timedelta(hours=hours)
    samples, at = [], start
    while at <= end:
        wh = int((at - start) / timedelta(hours=1) * kw * 1000)
        samples.append(Sample(at=at, energy_wh=wh, charging=True))
        at += every
    return Timeline(started_at=start, ended_at=end, time_zone=TALLINN, samples=tuple(samples))


def excl(cost: Cost) -> Decimal:
    return cost.total_cost.excl_vat


def test_time_of_use_on_an_ordinary_night() -> None:
    # 21:00 to 08:00 EET (UTC+2): 2 h by day, 9 h by night; 11 kWh, 11 h.
    cost = price(spec_from_json(TIME_OF_USE), steady(datetime(2024, 3, 23, 19, tzinfo=UTC), 11))
    assert cost.total_energy_cost.excl_vat == Decimal("2.40")  # 2 x 0.30 + 9 x 0.20
    assert cost.total_time_cost.excl_vat == Decimal("13.20")
    assert cost.total_fixed_cost.excl_vat == Decimal("0.50")
    assert excl(cost) == Decimal("16.10")
    assert cost.total_cost.incl_vat == Decimal("19.64")  # 16.10 x 1.22 = 19.642
    assert cost.total_energy_wh == 11_000 and cost.total_time_s == 11 * 3600


def test_time_of_use_on_the_night_summer_time_starts() -> None:
    # 2024-03-31 03:00 EET becomes 04:00 EEST. 21:00 EET (19:00 UTC) to 08:00 EEST (05:00 UTC) is 10 h;
    # 22:00 EET is 20:00 UTC and 07:00 EEST is 04:00 UTC: 8 h of night, 2 h of day.
    cost = price(spec_from_json(TIME_OF_USE), steady(datetime(2024, 3, 30, 19, tzinfo=UTC), 10))
    assert cost.total_energy_cost.excl_vat == Decimal("2.20")  # 2 x 0.30 + 8 x 0.20
    assert excl(cost) == Decimal("14.70")  # 2.20 + 12.00 + 0.50
    starts = [p.start_date_time for p in cost.periods]
    assert starts == [datetime(2024, 3, 30, 19, tzinfo=UTC), datetime(2024, 3, 30, 20, tzinfo=UTC),
                      datetime(2024, 3, 31, 4, tzinfo=UTC)]


def test_time_of_use_on_the_night_summer_time_ends() -> None:
    # 2024-10-27 04:00 EEST becomes 03:00 EET. 21:00 EEST (18:00 UTC) to 08:00 EET (06:00 UTC) is 12 h;
    # 22:00 EEST is 19:00 UTC and 07:00 EET is 05:00 UTC: 10 h of night.
    cost = price(spec_from_json(TIME_OF_USE), steady(datetime(2024, 10, 26, 18, tzinfo=UTC), 12))
    assert cost.total_energy_cost.excl_vat == Decimal("2.60")  # 2 x 0.30 + 10 x 0.20


def test_a_boundary_between_samples_splits_the_energy_linearly() -> None:
    # Read at 21:30 and 22:30 only: 1 kWh in that hour, half of it before 22:00 (EET, UTC+2).
    start = datetime(2024, 1, 10, 19, 30, tzinfo=UTC)
    timeline = Timeline(start, start + timedelta(hours=1), TALLINN, (Sample(start + timedelta(hours=1), 1000),))
    cost = price(spec_from_json(TIME_OF_USE), timeline)
    assert cost.total_energy_cost.excl_vat == Decimal("0.25")  # 0.5 x 0.30 + 0.5 x 0.20


def test_parking_fee_after_charging_with_steps() -> None:
    tariff = {
        "currency": "EUR",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": "0.40", "vat": 20, "step_size": 1}]},
            # 6.00/h idle fee, billed in 5 minute blocks, from 2 hours of session onward.
            {
                "price_components": [{"type": "PARKING_TIME", "price": "6.00", "vat": 20, "step_size": 300}],
                "restrictions": {"min_duration": 7200},
            },
        ],
    }
    start = datetime(2024, 5, 1, 8, tzinfo=UTC)
    samples = (
        Sample(start, 0, True),
        Sample(start + timedelta(minutes=100), 20_000, False),  # full: the car stops drawing power
    )
    # Plugged in until 2 h 7 min: 27 minutes idle, 7 of them after the 2 hour mark, billed as 10.
    timeline = Timeline(start, start + timedelta(minutes=127), "UTC", samples)
    cost = price(spec_from_json(tariff), timeline)
    assert cost.total_energy_cost.excl_vat == Decimal("8.00")
    assert cost.total_parking_cost.excl_vat == Decimal("1.00")  # 10 min x 6.00/h
    assert cost.total_parking_s == 27 * 60
    assert cost.total_cost == cost.total_cost.__class__(Decimal("9.00"), Decimal("10.80"))


def test_time_steps_round_the_session_total_not_each_period() -> None:
    # 1.20/h in 15 minute blocks by day, 0.60/h in 1 minute blocks by night: 50 minutes at each side
    # of 22:00. Only the total is rounded, with the last component's step: 100 min stays 100 min.
    tariff = {
        "currency": "EUR",
        "elements": [
            {
                "price_components": [{"type": "TIME", "price": "0.60", "step_size": 60}],
                "restrictions": {"start_time": "22:00", "end_time": "07:00"},
            },
            {"price_components": [{"type": "TIME", "price": "1.20", "step_size": 900}]},
        ],
    }
    start = datetime(2024, 1, 10, 19, 10, tzinfo=UTC)  # 21:10 EET
    cost = price(spec_from_json(tariff), Timeline(start, start + timedelta(minutes=100), TALLINN))
    assert excl(cost) == Decimal("1.50")  # 50/60 x 1.20 + 50/60 x 0.60


def test_energy_step_rounds_up_the_total() -> None:
    tariff = {"currency": "EUR", "elements": [{"price_components": [{"type": "ENERGY", "price": 1, "step_size": 500}]}]}
    start = datetime(2024, 1, 10, tzinfo=UTC)
    timeline = Timeline(start, start + timedelta(hours=1), "UTC", (Sample(start + timedelta(hours=1), 1_201),))
    assert excl(price(spec_from_json(tariff), timeline)) == Decimal("1.50")  # 1.201 kWh billed as 1.5


@pytest.mark.parametrize(
    ("kwh", "expected", "min_applied", "max_applied"),
    [(1, "2.00", True, False), (10, "5.00", False, False), (40, "15.00", False, True)],
)
def test_min_and_max_price(kwh: int, expected: str, min_applied: bool, max_applied: bool) -> None:
    tariff = {
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": "0.50", "vat": 20, "step_size": 1}]}],
        "min_price": {"excl_vat": "2.00", "incl_vat": "2.40"},
        "max_price": {"excl_vat": "15.00"},
    }
    start = datetime(2024, 1, 10, tzinfo=UTC)
    timeline = Timeline(start, start + timedelta(hours=2), "UTC", (Sample(start + timedelta(hours=2), kwh * 1000),))
    cost = price(spec_from_json(tariff), timeline)
    assert excl(cost) == Decimal(expected)
    assert cost.total_cost.incl_vat == Decimal(expected) * Decimal("1.2")
    assert (cost.min_applied, cost.max_applied) == (min_applied, max_applied)
    assert sum(line.excl_vat for line in cost.lines) == excl(cost)


def test_min_price_of_a_session_that_cost_nothing_is_a_line_of_its_own() -> None:
    tariff = {
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": "0.50", "step_size": 1}]}],
        "min_price": {"excl_vat": "1.00", "incl_vat": "1.24"},
    }
    start = datetime(2024, 1, 10, tzinfo=UTC)
    cost = price(spec_from_json(tariff), Timeline(start, start + timedelta(minutes=5), "UTC"))
    assert cost.total_cost.excl_vat == Decimal("1.00") and cost.total_cost.incl_vat == Decimal("1.24")
    assert cost.total_fixed_cost == cost.total_cost
    assert [(line.type, line.element) for line in cost.lines] == [("FLAT", None)]


def test_discount_reduces_every_line_before_rounding() -> None:
    start = datetime(2024, 1, 10, 10, tzinfo=UTC)
    cost = price(spec_from_json(TIME_OF_USE), steady(start, 1), discount_percent=Decimal("12.5"))
    # 0.50 + 0.30 + 1.20 = 2.00, less 12.5 % = 1.75
    assert excl(cost) == Decimal("1.75")
    assert cost.total_cost.incl_vat == Decimal("2.14")  # 1.75 x 1.22 = 2.135, half-up


def test_live_cost_until_a_moment_interpolates_the_energy() -> None:
    start = datetime(2024, 1, 10, 10, tzinfo=UTC)
    running = Timeline(start, None, TALLINN, steady(start, 2).samples)
    cost = price(spec_from_json(TIME_OF_USE), running, until=start + timedelta(minutes=90))
    assert cost.total_energy_wh == 1500 and cost.total_time_s == 5400
    assert excl(cost) == Decimal("2.75")  # 0.50 + 1.5 x 0.30 + 1.5 x 1.20


def test_minor_units_of_the_currency() -> None:
    tariff = {"currency": "JPY", "elements": [{"price_components": [{"type": "ENERGY", "price": "33.5", "vat": 10}]}]}
    start = datetime(2024, 1, 10, tzinfo=UTC)
    timeline = Timeline(start, start + timedelta(hours=1), "Asia/Tokyo", (Sample(start + timedelta(hours=1), 3_000),))
    cost = price(spec_from_json(tariff), timeline)
    assert cost.total_cost.excl_vat == Decimal(101)  # 100.5 rounds half-up
    assert cost.total_cost.incl_vat == Decimal(111)  # + 10.05 VAT -> 10


def test_energy_threshold_cuts_a_period_where_it_is_crossed() -> None:
    # 0.40/kWh for the first 10 kWh, 0.25/kWh after; 20 kWh read only at the end (linear in between).
    tariff = {
        "currency": "EUR",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": "0.40"}], "restrictions": {"max_kwh": 10}},
            {"price_components": [{"type": "ENERGY", "price": "0.25"}, {"type": "TIME", "price": "1"}]},
        ],
    }
    start = datetime(2024, 1, 10, tzinfo=UTC)
    timeline = Timeline(start, start + timedelta(hours=2), "UTC", (Sample(start + timedelta(hours=2), 20_000),))
    cost = price(spec_from_json(tariff), timeline)
    assert cost.total_energy_cost.excl_vat == Decimal("6.50")
    # Each dimension finds its own element: the first has no TIME, so the second prices all the time.
    assert cost.total_time_cost.excl_vat == Decimal("2.00")
    assert cost.periods[1].start_date_time == start + timedelta(hours=1)


def test_power_restriction_uses_the_reported_power() -> None:
    tariff = {
        "currency": "EUR",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": "0.60"}], "restrictions": {"min_power": 50}},
            {"price_components": [{"type": "ENERGY", "price": "0.30"}]},
        ],
    }
    start = datetime(2024, 1, 10, tzinfo=UTC)
    samples = (
        Sample(start, 0, True, 100_000),
        Sample(start + timedelta(minutes=30), 50_000, True, 11_000),
        Sample(start + timedelta(minutes=60), 55_500),
    )
    cost = price(spec_from_json(tariff), Timeline(start, start + timedelta(hours=1), "UTC", samples))
    assert excl(cost) == Decimal("31.65")  # 50 x 0.60 + 5.5 x 0.30


def test_free_tariff_costs_nothing() -> None:
    tariff = {"currency": "EUR", "elements": [{"price_components": [{"type": "ENERGY", "price": 0, "vat": 20}]}]}
    cost = price(spec_from_json(tariff), steady(datetime(2024, 1, 10, tzinfo=UTC), 3))
    assert cost.total_cost.excl_vat == 0 and cost.total_cost.incl_vat == 0
    assert spec_from_json(tariff).is_free


def test_cost_json_is_plain_json() -> None:
    cost = price(spec_from_json(TIME_OF_USE), steady(datetime(2024, 3, 30, 19, tzinfo=UTC), 10))
    out = cost_to_json(cost)
    assert out["total_cost"] == {"excl_vat": "14.70", "incl_vat": "17.93"}
    assert out["charging_periods"][1]["dimensions"][0] == {"type": "ENERGY", "volume": "8.000000"}
    assert out["charging_periods"][1]["tariff_elements"] == {"ENERGY": 1, "TIME": 2}
    assert sum(Decimal(line["incl_vat"]) for line in out["lines"]) == Decimal("17.93")
