"""The timeline pricing reads from a session's stored readings and status changes (pure: no database)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from chargeplane.domain.pricing.engine import price
from chargeplane.domain.pricing.spec import spec_from_json
from chargeplane.domain.pricing.timeline import Sample
from chargeplane.domain.pricing.timeline_source import Reading, build_timeline
from chargeplane.domain.sessions.models import ChargingSession

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _session(*, stop: float | None = 60, meter_stop: int | None = 11_000, zone: str | None = "Europe/Tallinn"
             ) -> ChargingSession:
    return ChargingSession(id=None, started_at=T0, meter_start_wh=1000, stopped_at=None if stop is None else _at(stop),
                           meter_stop_wh=meter_stop, state="active" if stop is None else "completed",
                           tariff_time_zone=zone, connector_id=1, charge_point_identity="CP", created_at=T0)


def _reading(minutes: float, register: int | None, power: int | None = None, *signed: str) -> Reading:
    return Reading(_at(minutes), register, power, signed)


def test_statuses_decide_charging_and_parking_and_cut_between_readings() -> None:
    readings = [_reading(20, 5000, 12_000), _reading(40, 11_000)]
    statuses = [(_at(-2), "Preparing"), (_at(-1), "Charging"), (_at(30), "SuspendedEV"), (_at(50), "Finishing"),
                (_at(61), "Available")]
    timeline = build_timeline(_session(), readings, statuses)
    assert timeline.time_zone == "Europe/Tallinn" and timeline.ended_at == _at(60)
    assert timeline.samples == (
        Sample(_at(0), 0, True), Sample(_at(20), 4000, True, 12_000),
        Sample(_at(30), 7000, False),  # between the readings: energy interpolated, parking from here on
        Sample(_at(40), 10_000, False), Sample(_at(50), 10_000, False), Sample(_at(60), 10_000, False))


def test_without_statuses_flowing_energy_is_charging() -> None:
    readings = [_reading(20, 5000), _reading(40, 5000), _reading(50, 9000)]
    timeline = build_timeline(_session(zone=None), readings, [(_at(0), "Preparing")])
    assert timeline.time_zone == "UTC"
    assert [(s.energy_wh, s.charging) for s in timeline.samples] == [
        (0, True), (4000, False), (4000, True), (8000, True), (10_000, True)]


def test_a_register_going_back_is_held_and_readings_outside_the_session_are_left_out() -> None:
    readings = [_reading(-5, 900), _reading(10, 7000), _reading(20, 3000), _reading(30, None), _reading(70, 99_000)]
    timeline = build_timeline(_session(meter_stop=8000), readings, [])
    assert [(s.at, s.energy_wh) for s in timeline.samples] == [(_at(0), 0), (_at(10), 6000), (_at(20), 6000),
                                                               (_at(60), 7000)]
    assert all(a.energy_wh <= b.energy_wh for a, b in zip(timeline.samples, timeline.samples[1:], strict=False))


def test_a_running_session_ends_at_its_last_reading_and_charges_while_energy_flowed() -> None:
    timeline = build_timeline(_session(stop=None, meter_stop=None), [_reading(10, 2000), _reading(20, 4000)], [])
    assert timeline.ended_at is None
    assert [(s.energy_wh, s.charging) for s in timeline.samples] == [(0, True), (1000, True), (3000, True)]


def test_a_60_reading_session_is_read_and_priced_in_milliseconds_at_most() -> None:
    spec = spec_from_json({"currency": "EUR", "elements": [
        {"price_components": [{"type": "FLAT", "price": "0.50"}]},
        {"price_components": [{"type": "ENERGY", "price": "0.20", "vat": "22"}],
         "restrictions": {"start_time": "22:00", "end_time": "06:00"}},
        {"price_components": [{"type": "ENERGY", "price": "0.40", "vat": "22"},
                              {"type": "PARKING_TIME", "price": "6", "step_size": 60}]}]})
    readings = [_reading(m, 1000 + 200 * m) for m in range(1, 61)]
    session = _session(stop=61, meter_stop=1000 + 200 * 60)
    runs = 200
    begun = time.perf_counter()
    for _ in range(runs):
        cost = price(spec, build_timeline(session, readings, [(_at(0), "Charging"), (_at(55), "SuspendedEV")]))
    per_session = (time.perf_counter() - begun) / runs
    # 0.50 + 12 kWh x 0.40 (14:00 in Tallinn: the day price) + 6 min parked x 6.00/h
    assert cost.total_energy_wh == 12_000 and cost.total_cost.excl_vat == Decimal("5.90")
    print(f"timeline and price: {per_session * 1e6:.0f} µs per session")
    assert per_session < 0.005, f"{per_session * 1e6:.0f} µs per session"  # generous: CI machines are busy
