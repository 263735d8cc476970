"""The simulator's charging profiles as pure functions of explicit times: which profile prevails, which
period is in force, when that changes, and what a composite schedule says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chargeplane.simulator.charging_profiles import (
    InvalidProfile,
    Limit,
    Outlet,
    ProfileStore,
    composite_schedule,
    limit_at,
    parse_profile,
    read,
    share,
    units_allowed,
)
from tests.simulator.profiles import charging_profile

T0 = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)  # a Wednesday


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def profile(connector_id: int = 1, profile_id: int = 1, **kw: Any) -> Any:
    return parse_profile(connector_id, charging_profile(profile_id, **kw), received_at=T0)


def amps(limit: Limit | None) -> float | None:
    return None if limit is None else round(limit.amps, 3)


@pytest.mark.parametrize(("connector_id", "fields", "problem"), [
    (1, {"purpose": "ChargePointMaxProfile"}, "connector 0"),
    (0, {"purpose": "TxProfile"}, "belongs to a connector"),
    (1, {"transactionId": 5}, "only a TxProfile"),
    (1, {"kind": "Recurring", "startSchedule": "2025-01-01T00:00:00Z"}, "recurrencyKind"),
    (1, {"kind": "Recurring", "recurrencyKind": "Daily"}, "startSchedule"),
    (1, {"periods": [(0, 16), (0, 10)]}, "startPeriod"),
    (1, {"periods": [(0, -1)]}, "negative limit"),
    (1, {"validFrom": "2025-03-05T12:00:00Z", "validTo": "2025-03-05T11:00:00Z"}, "validTo"),
    (1, {"stack": -1}, "stackLevel"),
    (1, {"duration": 0}, "duration"),
])
def test_profiles_that_break_the_rules_are_refused(connector_id: int, fields: dict[str, Any], problem: str) -> None:
    with pytest.raises(InvalidProfile, match=problem):
        parse_profile(connector_id, charging_profile(**fields), received_at=T0)


def test_unreadable_profiles_are_errors_not_refusals() -> None:
    with pytest.raises(ValueError, match="FastestPossible"):
        parse_profile(1, charging_profile(purpose="FastestPossible"), received_at=T0)
    broken = charging_profile()
    del broken["stackLevel"]
    with pytest.raises(KeyError):
        parse_profile(1, broken, received_at=T0)


def test_an_absolute_schedule_steps_through_its_periods_and_ends_with_its_duration() -> None:
    p = profile(periods=[(0, 16), (60, 10), (120, 6)], startSchedule=iso(T0), duration=300)
    assert read(p, at(-1), None).period is None and read(p, at(-1), None).changes_at == T0
    assert [read(p, at(s), None).period.limit for s in (0, 59.9, 60, 119, 120, 299)] == [  # type: ignore[union-attr]
        16, 16, 10, 10, 6, 6]
    assert read(p, at(30), None).changes_at == at(60)
    assert read(p, at(200), None).changes_at == at(300)
    ended = read(p, at(300), None)
    assert ended.period is None and ended.changes_at is None


def test_a_relative_schedule_starts_with_the_transaction() -> None:
    p = profile(kind="Relative", periods=[(0, 6), (10, 16)])
    assert read(p, at(5), None).period is None  # no transaction: nothing to be relative to
    started = at(100)
    assert read(p, at(105), started).period.limit == 6  # type: ignore[union-attr]
    assert read(p, at(105), started).changes_at == at(110)
    assert read(p, at(110), started).period.limit == 16  # type: ignore[union-attr]
    assert read(p, at(10_000), started).changes_at is None  # the last period lasts


def test_a_daily_schedule_recurs_at_the_same_time_of_day() -> None:
    # 08:00-09:00 every day since New Year: 10 A for half an hour, then 6 A.
    p = profile(kind="Recurring", recurrencyKind="Daily", startSchedule="2025-01-01T08:00:00Z", duration=3600,
                periods=[(0, 10), (1800, 6)])
    day = datetime(2025, 3, 5, tzinfo=UTC)
    assert read(p, day + timedelta(hours=8, minutes=10), None).period.limit == 10  # type: ignore[union-attr]
    assert read(p, day + timedelta(hours=8, minutes=40), None).period.limit == 6  # type: ignore[union-attr]
    late = read(p, day + timedelta(hours=9, minutes=30), None)
    assert late.period is None and late.changes_at == day + timedelta(days=1, hours=8)
    early = read(p, day + timedelta(hours=7), None)
    assert early.period is None and early.changes_at == day + timedelta(hours=8)
    assert read(p, day + timedelta(hours=8, minutes=10), None).changes_at == day + timedelta(hours=8, minutes=30)
    # Before the first recurrence it waits for it.
    assert read(p, datetime(2024, 12, 31, 8, 10, tzinfo=UTC), None).changes_at == datetime(
        2025, 1, 1, 8, tzinfo=UTC)


def test_a_weekly_schedule_without_duration_lasts_the_week_and_starts_again() -> None:
    # Mondays at 00:00: 0 A for the first day, then 16 A for the rest of the week.
    p = profile(kind="Recurring", recurrencyKind="Weekly", startSchedule="2025-03-03T00:00:00Z",
                periods=[(0, 0), (86_400, 16)])
    monday = datetime(2025, 3, 3, tzinfo=UTC)
    assert read(p, monday + timedelta(hours=5), None).period.limit == 0  # type: ignore[union-attr]
    sunday = read(p, monday + timedelta(days=6, hours=23), None)
    assert sunday.period.limit == 16 and sunday.changes_at == monday + timedelta(days=7)  # type: ignore[union-attr]
    assert read(p, monday + timedelta(days=7, hours=5), None).period.limit == 0  # type: ignore[union-attr]


def test_valid_from_and_valid_to_bound_a_profile() -> None:
    p = profile(validFrom=iso(at(100)), validTo=iso(at(200)), startSchedule=iso(T0))
    before = read(p, at(50), None)
    assert before.period is None and before.changes_at == at(100)
    during = read(p, at(150), None)
    assert during.period is not None and during.changes_at == at(200)
    assert read(p, at(200), None).period is None


def test_the_highest_stack_level_in_force_prevails_and_the_lower_shows_through_when_it_ends() -> None:
    store = ProfileStore()
    store.install(profile(profile_id=1, stack=0, periods=[(0, 16)], startSchedule=iso(T0)))
    store.install(profile(profile_id=2, stack=1, periods=[(0, 10), (30, 6)], startSchedule=iso(T0), duration=60))
    assert amps(store.connector_limit(1, at(10), None, 3)[0]) == 10
    assert amps(store.connector_limit(1, at(40), None, 3)[0]) == 6
    assert store.connector_limit(1, at(40), None, 3)[1] == at(60)
    assert amps(store.connector_limit(1, at(61), None, 3)[0]) == 16
    assert store.connector_limit(2, at(10), None, 3)[0] is None  # both belong to connector 1


def test_a_tx_profile_overrides_the_default_even_upwards_and_dies_with_the_transaction() -> None:
    store = ProfileStore()
    store.install(profile(0, profile_id=1, periods=[(0, 10)], startSchedule=iso(T0)))
    store.install(profile(1, profile_id=2, purpose="TxProfile", periods=[(0, 20)], kind="Relative", duration=60))
    assert amps(store.connector_limit(1, at(10), at(0), 3)[0]) == 20
    assert amps(store.connector_limit(1, at(70), at(0), 3)[0]) == 10  # its duration is over: the default
    store.drop_transaction_profiles(1)
    assert amps(store.connector_limit(1, at(10), at(0), 3)[0]) == 10
    assert [p.id for p in store.profiles] == [1]


def test_a_connector_default_beats_the_charge_point_default_of_the_same_level_only() -> None:
    store = ProfileStore()
    store.install(profile(0, profile_id=1, periods=[(0, 16)], startSchedule=iso(T0)))
    store.install(profile(1, profile_id=2, periods=[(0, 8)], startSchedule=iso(T0)))
    assert amps(store.connector_limit(1, at(1), None, 3)[0]) == 8
    assert amps(store.connector_limit(2, at(1), None, 3)[0]) == 16
    store.install(profile(0, profile_id=3, stack=2, periods=[(0, 12)], startSchedule=iso(T0)))
    assert amps(store.connector_limit(1, at(1), None, 3)[0]) == 12


def test_replacing_counting_and_clearing() -> None:
    store = ProfileStore()
    store.install(profile(1, profile_id=1, stack=0))
    store.install(profile(2, profile_id=2, stack=0))  # same purpose and level, another connector: both stay
    assert len(store) == 2
    same_level = profile(1, profile_id=3, stack=0, periods=[(0, 10)])
    assert store.count_with(same_level) == 2
    store.install(same_level)                          # replaces id 1
    assert sorted(p.id for p in store.profiles) == [2, 3]
    store.install(profile(1, profile_id=2, stack=5))   # same id: replaces the one on connector 2
    assert sorted((p.id, p.connector_id) for p in store.profiles) == [(2, 1), (3, 1)]
    store.install(profile(0, profile_id=9, purpose="ChargePointMaxProfile"))

    assert store.clear(profile_id=77) == 0
    assert store.clear(profile_id=3, purpose="ChargePointMaxProfile") == 1  # an id ignores the criteria
    assert store.clear(connector_id=1, stack_level=4) == 0
    assert store.clear(purpose="ChargePointMaxProfile") == 1
    assert store.clear() == 1
    assert len(store) == 0


def test_watts_and_amps_convert_with_the_nominal_voltage_and_the_phases_in_use() -> None:
    store = ProfileStore()
    store.install(profile(1, profile_id=1, unit="W", periods=[(0, 6900)], startSchedule=iso(T0)))
    limit = store.connector_limit(1, at(1), None, 3)[0]
    assert limit == Limit(6900, 3) and amps(limit) == 10
    one_phase = parse_profile(2, {**charging_profile(2), "chargingSchedule": {
        "chargingRateUnit": "A", "startSchedule": iso(T0),
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16, "numberPhases": 1}]}}, received_at=T0)
    store.install(one_phase)
    assert store.connector_limit(2, at(1), None, 3)[0] == Limit(16 * 230, 1)
    # On a single-phase charger a 3-phase default is a single-phase limit.
    assert store.connector_limit(1, at(1), None, 1)[0] == Limit(6900, 1)
    assert Limit.of(10, "A", 3).value_in("W") == 6900
    assert units_allowed("Current") == {"A"} and units_allowed("Current, Power") == {"A", "W"}


def test_a_cap_is_shared_without_giving_anyone_more_than_it_wants() -> None:
    assert share(20_000, {1: 22_000, 2: 22_000}) == {1: 10_000, 2: 10_000}
    assert share(20_000, {1: 4_000, 2: 22_000}) == {1: 4_000, 2: 16_000}
    assert share(50_000, {1: 4_000, 2: 22_000}) == {1: 4_000, 2: 22_000}
    assert share(0, {1: 4_000}) == {1: 0}


def test_the_composite_schedule_merges_stacked_profiles_and_the_charge_point_cap() -> None:
    store = ProfileStore()
    store.install(profile(0, profile_id=1, periods=[(0, 16)], startSchedule=iso(T0)))
    store.install(profile(1, profile_id=2, stack=1, periods=[(0, 10), (30, 6)], startSchedule=iso(T0),
                          duration=60))
    store.install(profile(0, profile_id=3, purpose="ChargePointMaxProfile", periods=[(0, 32), (90, 12)],
                          startSchedule=iso(T0)))
    outlets = {1: Outlet(22_000, T0), 2: Outlet(22_000, T0)}

    def periods(connector_id: int, unit: str = "A") -> list[tuple[int, float]]:
        found = composite_schedule(store, connector_id, start=T0, duration=120, unit=unit, outlets=outlets,
                                   phases=3)
        return [(p["startPeriod"], p["limit"]) for p in found]

    assert periods(1) == [(0, 10), (30, 6), (60, 16), (90, 12)]
    assert periods(2) == [(0, 16), (90, 12)]
    # The charge point as a whole: both connectors' limits added, under the cap.
    assert periods(0) == [(0, 26), (30, 22), (60, 32), (90, 12)]
    assert periods(1, "W") == [(0, 6900), (30, 4140), (60, 11040), (90, 8280)]
    # Without profiles: what the connector can give at most.
    assert limit_at(ProfileStore(), 1, T0, outlets, 3) == (Limit(22_000, 3), None)
