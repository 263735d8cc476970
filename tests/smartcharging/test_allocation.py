"""The load-balancing plan as a pure function: the limit is never exceeded, minimums and maximums hold,
equal sessions get equal shares, priorities come first, and chargers we cannot steer are counted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from chargeplane.domain.smartcharging.allocation import (
    DEMAND,
    MINIMUM,
    PAUSED,
    SHARE,
    TARGET,
    Charger,
    Demand,
    plan,
)

T0 = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)


def charger(min_a: float = 6, max_a: float = 32, **kw: object) -> Charger:
    return Charger(id=uuid.uuid4(), controlled=bool(kw.pop("controlled", True)), min_da=int(min_a * 10),
                   max_da=int(max_a * 10), **kw)  # type: ignore[arg-type]


def session(c: Charger, minute: int = 0, wanted_a: float | None = None) -> Demand:
    return Demand(session_id=uuid.uuid4(), charger_id=c.id, started_at=T0 + timedelta(minutes=minute),
                  wanted_da=None if wanted_a is None else int(wanted_a * 10))


def test_equal_sessions_share_the_limit_equally() -> None:
    chargers = [charger() for _ in range(3)]
    demands = [session(c, i) for i, c in enumerate(chargers)]
    result = plan(400, chargers, demands)  # 40 A for three 32 A chargers
    shares = [result.allocations[d.session_id][0] for d in demands]
    assert sum(shares) == 400 and max(shares) - min(shares) <= 1
    assert all(result.allocations[d.session_id][1] == SHARE for d in demands)
    assert result.planned_da == 400 and result.overshoot_da == 0


def test_sessions_that_do_not_fit_their_minimum_wait_in_order_of_arrival() -> None:
    chargers = [charger() for _ in range(3)]
    demands = [session(c, i) for i, c in enumerate(chargers)]
    result = plan(150, chargers, demands)  # 15 A: two minimums of 6 A fit, the third waits
    first, second, third = (result.allocations[d.session_id] for d in demands)
    assert third == (0, PAUSED)
    assert first[0] + second[0] == 150 and min(first[0], second[0]) >= 60


def test_higher_priority_is_served_first_up_to_its_maximum() -> None:
    low, high = charger(max_a=16), charger(max_a=16, priority=5)
    late_high, early_low = session(high, 5), session(low, 0)
    result = plan(260, [low, high], [early_low, late_high])
    assert result.allocations[late_high.session_id] == (160, SHARE)
    assert result.allocations[early_low.session_id] == (100, SHARE)


def test_a_session_drawing_less_gives_the_rest_to_the_others() -> None:
    a, b = charger(), charger()
    lazy, hungry = session(a, 0, wanted_a=8), session(b, 1)
    result = plan(320, [a, b], [lazy, hungry])
    assert result.allocations[lazy.session_id] == (80, DEMAND)
    assert result.allocations[hungry.session_id] == (240, SHARE)


def test_a_reached_target_gets_nothing_and_its_share_goes_to_others() -> None:
    a, b = charger(), charger()
    done, other = session(a, 0, wanted_a=0), session(b, 1)
    result = plan(320, [a, b], [done, other])
    assert result.allocations[done.session_id] == (0, TARGET)
    assert result.allocations[other.session_id] == (320, SHARE)
    assert result.caps[a.id] == 0


def test_chargers_we_cannot_steer_are_counted_at_their_reserve() -> None:
    steered, offline = charger(), charger(controlled=False, reserve_da=200)
    demand = session(steered)
    result = plan(320, [steered, offline], [demand, session(offline)])
    assert result.reserved_da == 200
    assert result.allocations[demand.session_id][0] == 120
    assert offline.id not in result.caps and result.planned_da == 320


def test_idle_chargers_keep_a_minimum_for_a_session_about_to_start() -> None:
    busy, idle = charger(), charger()
    demand = session(busy)
    result = plan(320, [busy, idle], [demand])
    assert result.caps[idle.id] == 60
    assert result.allocations[demand.session_id] == (260, SHARE)


def test_sessions_on_one_charger_stay_within_its_maximum() -> None:
    twin = charger(max_a=32)
    left, right = session(twin, 0), session(twin, 1)
    result = plan(1000, [twin], [left, right])
    assert result.allocations[left.session_id][0] + result.allocations[right.session_id][0] == 320
    assert result.caps[twin.id] == 320


def test_a_minimum_larger_than_what_is_left_pauses_rather_than_overshoots() -> None:
    a = charger(min_a=10)
    result = plan(50, [a], [session(a)])
    assert list(result.allocations.values()) == [(0, PAUSED)] and result.planned_da == 0


@st.composite
def sites(draw: st.DrawFn) -> tuple[int, list[Charger], list[Demand]]:
    chargers = []
    for _ in range(draw(st.integers(1, 12))):
        low = draw(st.integers(0, 160))
        chargers.append(Charger(id=uuid.uuid4(), controlled=draw(st.booleans()) or draw(st.booleans()),
                                min_da=low, max_da=draw(st.integers(max(low, 1), 630)),
                                priority=draw(st.integers(0, 2)), reserve_da=draw(st.integers(0, 320))))
    demands = []
    for c in chargers:
        for _ in range(draw(st.integers(0, 2))):
            wanted = draw(st.none() | st.integers(0, 700))
            demands.append(Demand(uuid.uuid4(), c.id, T0 + timedelta(seconds=draw(st.integers(0, 3600))), wanted))
    limit = draw(st.integers(0, 5000))
    return limit, chargers, demands


@given(sites())
def test_the_plan_never_gives_out_more_than_the_limit(site: tuple[int, list[Charger], list[Demand]]) -> None:
    limit, chargers, demands = site
    result = plan(limit, chargers, demands)
    by_id = {c.id: c for c in chargers}
    # What we hand out never passes what is left after the reserves (nor the limit, if they fit in it).
    assert sum(result.caps.values()) <= max(0, limit - result.reserved_da)
    if result.reserved_da <= limit:
        assert result.overshoot_da == 0
    for d in demands:
        c = by_id[d.charger_id]
        if not c.controlled:
            assert d.session_id not in result.allocations
            continue
        amount, reason = result.allocations[d.session_id]
        assert amount == 0 or amount >= c.min_da  # never a current the car cannot charge with
        assert amount <= c.max_da
        if d.wanted_da == 0:
            assert (amount, reason) == (0, TARGET)
    for c in chargers:
        if c.controlled:
            mine = sum(result.allocations[d.session_id][0] for d in demands if d.charger_id == c.id)
            assert result.caps[c.id] >= mine and result.caps[c.id] <= max(c.max_da, c.min_da)


@given(sites())
def test_a_session_waits_only_when_its_minimum_does_not_fit(site: tuple[int, list[Charger], list[Demand]]) -> None:
    limit, chargers, demands = site
    result = plan(limit, chargers, demands)
    by_id = {c.id: c for c in chargers}
    for d in demands:
        if d.session_id in result.allocations and result.allocations[d.session_id][1] == PAUSED:
            c = by_id[d.charger_id]
            assert result.planned_da + c.min_da > limit or result.caps[c.id] + c.min_da > c.max_da


def test_minimum_reason_when_there_is_nothing_more_to_share() -> None:
    a, b = charger(), charger()
    first, second = session(a, 0), session(b, 1)
    result = plan(120, [a, b], [first, second])
    assert result.allocations[first.session_id] == (60, MINIMUM)
    assert result.allocations[second.session_id] == (60, MINIMUM)
