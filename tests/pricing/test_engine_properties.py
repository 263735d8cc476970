"""Property tests: the engine against an independent minute-by-minute reference, and its invariants.

Sessions here start on a whole minute and are read every few minutes; tariff boundaries (times of
day, durations, energy thresholds taken from the readings) fall on whole minutes too, so judging
each minute at its start is exact and the reference needs no cleverness.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from chargeplane.domain.pricing.engine import price
from chargeplane.domain.pricing.spec import DAYS, TariffSpec, spec_from_json
from chargeplane.domain.pricing.timeline import Sample, Timeline

ZONE = "Europe/Tallinn"
# Around both 2024 DST changes in Tallinn, and an ordinary week.
STARTS = [datetime(2024, 3, 30, 18, tzinfo=UTC), datetime(2024, 10, 26, 20, tzinfo=UTC),
          datetime(2024, 6, 12, 5, tzinfo=UTC)]


@st.composite
def sessions(draw: st.DrawFn) -> Timeline:
    start = draw(st.sampled_from(STARTS)) + timedelta(minutes=draw(st.integers(0, 600)))
    samples, minute, energy = [], 0, 0
    for _ in range(draw(st.integers(0, 8))):
        minute += draw(st.integers(1, 60))
        energy += draw(st.integers(0, 30_000))
        power = draw(st.one_of(st.none(), st.integers(0, 150_000)))
        samples.append(Sample(start + timedelta(minutes=minute), energy, draw(st.booleans()), power))
    end = minute + draw(st.integers(0, 60))
    return Timeline(start, start + timedelta(minutes=end), ZONE, tuple(samples))


def _hhmm(draw: st.DrawFn) -> str:
    return f"{draw(st.integers(0, 23)):02d}:{draw(st.sampled_from([0, 15, 30, 45])):02d}"


@st.composite
def restrictions(draw: st.DrawFn, energies: list[int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        a, b = _hhmm(draw), _hhmm(draw)
        if a != b:
            out.update(start_time=a, end_time=b)
    if draw(st.integers(0, 3)) == 0:
        out["day_of_week"] = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True))
    if draw(st.integers(0, 2)) == 0:
        out[draw(st.sampled_from(["min_duration", "max_duration"]))] = draw(st.integers(1, 300)) * 60
    if energies and draw(st.integers(0, 2)) == 0:
        out[draw(st.sampled_from(["min_kwh", "max_kwh"]))] = str(Decimal(draw(st.sampled_from(energies))) / 1000)
    if draw(st.integers(0, 3)) == 0:
        out[draw(st.sampled_from(["min_power", "max_power"]))] = draw(st.integers(1, 100))
    return out


@st.composite
def tariffs(draw: st.DrawFn, energies: list[int], steps: bool = True) -> dict[str, Any]:
    elements = []
    for _ in range(draw(st.integers(1, 4))):
        kinds = draw(st.lists(st.sampled_from(["FLAT", "ENERGY", "TIME", "PARKING_TIME"]), min_size=1, unique=True))
        components = [
            {
                "type": kind,
                "price": str(Decimal(draw(st.integers(0, 500))) / 100),
                "vat": draw(st.sampled_from([None, 0, 9, 20, 22, 24])),
                "step_size": draw(st.sampled_from([1, 1, 60, 300, 500])) if steps and kind != "FLAT" else 1,
            }
            for kind in kinds
        ]
        element: dict[str, Any] = {"price_components": components}
        if draw(st.booleans()):
            element["restrictions"] = draw(restrictions(energies))
        elements.append(element)
    tariff: dict[str, Any] = {"currency": "EUR", "elements": elements}
    low = draw(st.one_of(st.none(), st.integers(0, 2000)))
    high = draw(st.one_of(st.none(), st.integers(0, 5000)))
    if low is not None:
        tariff["min_price"] = {"excl_vat": str(Decimal(low) / 100)}
    if high is not None and (low is None or high >= low):
        tariff["max_price"] = {"excl_vat": str(Decimal(high) / 100)}
    return tariff


# -- the reference: one minute at a time ------------------------------------------------------------


def _energy_at(timeline: Timeline, at: datetime) -> Fraction:
    points = [(timeline.started_at, 0)] + [(s.at, s.energy_wh) for s in timeline.samples]
    for (t0, e0), (t1, e1) in pairwise(points):
        if t0 <= at <= t1:
            seconds = (t1 - t0) // timedelta(seconds=1)
            return e0 + Fraction(e1 - e0) * ((at - t0) // timedelta(seconds=1)) / seconds
    return Fraction(points[-1][1])


def _state_at(timeline: Timeline, at: datetime) -> tuple[bool, Fraction]:
    """Charging or not, and power in kW, in the minute starting at `at`."""
    before = [s for s in timeline.samples if s.at <= at]
    after = [s for s in timeline.samples if s.at > at]
    last = before[-1] if before else None
    charging = True if last is None else last.charging
    if not charging:
        return False, Fraction(0)
    if last is not None and last.power_w is not None:
        return True, Fraction(last.power_w, 1000)
    t0, e0 = (last.at, last.energy_wh) if last else (timeline.started_at, 0)
    if not after:
        return True, Fraction(0)
    t1, e1 = after[0].at, after[0].energy_wh
    return True, Fraction(e1 - e0) / Fraction((t1 - t0) // timedelta(seconds=1), 3600) / 1000


def _holds(r: Any, local: datetime, minutes: int, energy: Fraction, kw: Fraction) -> bool:
    if r is None:
        return True
    now = local.time()
    if r.start_time and r.end_time:
        if r.start_time < r.end_time and not r.start_time <= now < r.end_time:
            return False
        if r.start_time > r.end_time and r.end_time <= now < r.start_time:
            return False
    checks = [
        not r.day_of_week or DAYS[local.weekday()] in r.day_of_week,
        r.min_duration is None or minutes * 60 >= r.min_duration,
        r.max_duration is None or minutes * 60 < r.max_duration,
        r.min_kwh is None or energy >= Fraction(r.min_kwh) * 1000,
        r.max_kwh is None or energy < Fraction(r.max_kwh) * 1000,
        r.min_power is None or kw >= Fraction(r.min_power),
        r.max_power is None or kw < Fraction(r.max_power),
    ]
    return all(checks)


def reference(spec: TariffSpec, timeline: Timeline) -> tuple[Decimal, Decimal]:
    """Total (excl. VAT, incl. VAT) computed minute by minute."""
    assert timeline.ended_at is not None
    zone = ZoneInfo(timeline.time_zone)
    minutes = (timeline.ended_at - timeline.started_at) // timedelta(minutes=1)
    billed: dict[tuple[str, int], Fraction] = {}
    order: dict[str, list[int]] = {"ENERGY": [], "TIME": [], "PARKING_TIME": []}

    def component(i: int, kind: str) -> Any:
        return next((c for c in spec.elements[i].price_components if c.type == kind), None)

    def pick(at: datetime, minute: int, energy: Fraction, kw: Fraction, kind: str) -> int | None:
        local = at.astimezone(zone)
        for i, element in enumerate(spec.elements):
            if component(i, kind) and _holds(element.restrictions, local, minute, energy, kw):
                return i
        return None

    at = timeline.started_at
    first_kw = _state_at(timeline, at)[1]
    flat = pick(at, 0, Fraction(0), first_kw, "FLAT")
    for minute in range(minutes):
        at = timeline.started_at + timedelta(minutes=minute)
        charging, kw = _state_at(timeline, at)
        e0, e1 = _energy_at(timeline, at), _energy_at(timeline, at + timedelta(minutes=1))
        for kind, amount in (("ENERGY", e1 - e0), ("TIME" if charging else "PARKING_TIME", Fraction(60))):
            chosen = pick(at, minute, e0, kw, kind)
            if chosen is not None and amount:
                billed[(kind, chosen)] = billed.get((kind, chosen), Fraction(0)) + amount
                order[kind].append(chosen)
    # OCPI step_size: once on the energy total, once on parking (or, without parking, charging time).
    for kind in ("ENERGY", "PARKING_TIME" if order["PARKING_TIME"] else "TIME"):
        if order[kind]:
            total = sum((q for (k, _), q in billed.items() if k == kind), Fraction(0))
            step = component(order[kind][-1], kind).step_size
            billed[(kind, order[kind][-1])] += (-(-total // step)) * step - total
    excl, vat = Fraction(0), Fraction(0)
    per_unit = {"ENERGY": Fraction(1, 1000), "TIME": Fraction(1, 3600), "PARKING_TIME": Fraction(1, 3600)}
    items = [*((component(i, k), q * per_unit[k]) for (k, i), q in billed.items())]
    if flat is not None:
        items.append((component(flat, "FLAT"), Fraction(1)))
    for c, quantity in items:
        excl += Fraction(c.price) * quantity
        vat += Fraction(c.price) * quantity * Fraction(c.vat or 0) / 100
    bound = None
    if spec.min_price and excl < spec.min_price.excl_vat:
        bound = spec.min_price.excl_vat
    elif spec.max_price and excl > spec.max_price.excl_vat:
        bound = spec.max_price.excl_vat
    if bound is not None:
        vat = vat * Fraction(bound) / excl if excl else Fraction(0)
        excl = Fraction(bound)

    def cents(x: Fraction) -> Decimal:
        return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)

    return cents(excl), cents(excl) + cents(vat)


def _energies(timeline: Timeline) -> list[int]:
    return [s.energy_wh for s in timeline.samples if s.energy_wh > 0] or [1000]


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_engine_equals_the_minute_by_minute_reference(data: st.DataObject) -> None:
    timeline = data.draw(sessions())
    spec = spec_from_json(data.draw(tariffs(_energies(timeline))))
    cost = price(spec, timeline)
    assert (cost.total_cost.excl_vat, cost.total_cost.incl_vat) == reference(spec, timeline)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_parts_add_up_and_bounds_hold(data: st.DataObject) -> None:
    timeline = data.draw(sessions())
    spec = spec_from_json(data.draw(tariffs(_energies(timeline))))
    discount = Decimal(data.draw(st.integers(0, 100)))
    cost = price(spec, timeline, discount_percent=discount)
    total = cost.total_cost
    assert sum(x.excl_vat for x in cost.lines) == total.excl_vat
    assert sum(x.excl_vat + x.vat for x in cost.lines) == total.incl_vat
    parts = (cost.total_energy_cost, cost.total_time_cost, cost.total_parking_cost, cost.total_fixed_cost)
    assert sum(p.excl_vat for p in parts) == total.excl_vat
    assert sum(p.incl_vat or 0 for p in parts) == total.incl_vat
    assert total.incl_vat is not None and total.incl_vat >= total.excl_vat >= 0
    undiscounted = price(spec, timeline).total_cost.excl_vat
    if spec.min_price is not None:
        assert undiscounted >= spec.min_price.excl_vat
    if spec.max_price is not None:
        assert undiscounted <= spec.max_price.excl_vat
    assert total.excl_vat <= undiscounted


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_never_cheaper_for_longer(data: st.DataObject) -> None:
    # With step_size 1 a longer stay adds non-negative amounts only. (Larger steps can make a longer
    # session cheaper, by OCPI's rule: the rounded-up remainder moves to the last, maybe cheaper, component.)
    timeline = data.draw(sessions())
    spec = spec_from_json(data.draw(tariffs(_energies(timeline), steps=False)))
    assert timeline.ended_at is not None
    running = Timeline(timeline.started_at, None, timeline.time_zone, timeline.samples)
    minutes = (timeline.ended_at - timeline.started_at) // timedelta(minutes=1)
    # Readings every minute keep each moment's energy whole, so no sub-Wh remainder moves around.
    costs = [
        price(spec, running, until=timeline.started_at + timedelta(minutes=m)).total_cost.excl_vat
        for m in range(0, minutes + 1, max(1, minutes // 6))
        if all((s.at - timeline.started_at) % timedelta(minutes=1) == timedelta(0) for s in timeline.samples)
        and _whole_energy(timeline, m)
    ]
    assert costs == sorted(costs)


def _whole_energy(timeline: Timeline, minute: int) -> bool:
    return _energy_at(timeline, timeline.started_at + timedelta(minutes=minute)).denominator == 1


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_free_tariff_costs_nothing(data: st.DataObject) -> None:
    timeline = data.draw(sessions())
    tariff = data.draw(tariffs(_energies(timeline)))
    for element in tariff["elements"]:
        for component in element["price_components"]:
            component["price"] = "0"
    tariff.pop("min_price", None)
    spec = spec_from_json(tariff)
    assert spec.is_free
    cost = price(spec, timeline)
    assert cost.total_cost.excl_vat == 0 and cost.total_cost.incl_vat == 0


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_never_cheaper_for_more_energy(data: st.DataObject) -> None:
    # For tariffs whose elements do not turn on kWh or power: there, more energy can move TIME or a
    # whole period to a cheaper element, which OCPI allows (a fast charge priced per kWh only).
    timeline = data.draw(sessions())
    tariff = data.draw(tariffs([], steps=False))
    for element in tariff["elements"]:
        for key in ("min_power", "max_power", "min_kwh", "max_kwh"):
            element.get("restrictions", {}).pop(key, None)
    spec = spec_from_json(tariff)
    extra, more = 0, []
    for sample in timeline.samples:
        extra += data.draw(st.integers(0, 20_000))
        more.append(Sample(sample.at, sample.energy_wh + extra, sample.charging, sample.power_w))
    richer = Timeline(timeline.started_at, timeline.ended_at, timeline.time_zone, tuple(more))
    assert price(spec, richer).total_cost.excl_vat >= price(spec, timeline).total_cost.excl_vat
