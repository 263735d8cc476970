"""The pricing engine: a tariff and what happened in a session give the cost, OCPI 2.2.1's way.

Pure: no database, no clock. See docs/pricing.md, "The engine", for the rules and their OCPI sources.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from chargeplane.domain.errors import Invalid
from chargeplane.domain.pricing.periods import METERED, US, Num, Slice, slice_session
from chargeplane.domain.pricing.rounding import allocate, minor_units
from chargeplane.domain.pricing.spec import ComponentType, Price, PriceComponent, TariffSpec, price_to_json
from chargeplane.domain.pricing.timeline import Timeline

_US_PER_HOUR = 3600 * US
_VOLUME = Decimal("0.000001")  # periods and lines show volumes to a millionth of a kWh or an hour


@dataclass(frozen=True, slots=True)
class ChargingPeriod:
    """An OCPI CDR charging period: from its start until the next one, one set of tariff elements applies."""

    start_date_time: datetime
    energy_kwh: Decimal
    time_h: Decimal  # charging time
    parking_h: Decimal  # plugged in, not charging
    elements: dict[str, int]  # dimension -> index of the tariff element that priced it


@dataclass(frozen=True, slots=True)
class CostLine:
    """What one price component earned: `quantity` is billed kWh, hours or 1 (FLAT), after step_size.

    `element` is None for the line a min_price adds to a session that cost nothing otherwise.
    """

    type: ComponentType
    element: int | None
    unit_price: Decimal
    vat_percent: Decimal | None
    quantity: Decimal
    excl_vat: Decimal
    vat: Decimal


@dataclass(frozen=True, slots=True)
class Cost:
    currency: str
    periods: tuple[ChargingPeriod, ...]
    lines: tuple[CostLine, ...]
    total_cost: Price
    total_energy_cost: Price
    total_time_cost: Price
    total_parking_cost: Price
    total_fixed_cost: Price
    total_energy_wh: int
    total_time_s: int  # the whole session, charging and parking
    total_parking_s: int
    min_applied: bool
    max_applied: bool
    discount_percent: Decimal


@dataclass
class _Line:
    component: PriceComponent
    element: int | None
    quantity: Num  # Wh, µs or 1
    excl: Fraction = Fraction(0)
    vat: Fraction = Fraction(0)


def price(
    spec: TariffSpec,
    timeline: Timeline,
    *,
    until: datetime | None = None,
    discount_percent: Decimal = Decimal(0),
) -> Cost:
    """The cost of `timeline` under `spec`; `until` prices a running session up to that moment.

    Without `until` the session ends at `ended_at`, or at its last sample while it still runs.
    """
    discount = Decimal(discount_percent)
    if not 0 <= discount <= 100:
        raise Invalid("discount_percent must be between 0 and 100", field="discount_percent")
    if timeline.started_at.tzinfo is None:
        raise Invalid("the session's start must carry a time zone", field="started_at")
    end = _end(timeline, until)
    end_us = max(0, (end - timeline.started_at) // timedelta(microseconds=1))
    slices, flat = slice_session(spec, timeline, end_us)
    lines = _metered_lines(spec, slices)
    if flat is not None:
        component = next(c for c in spec.elements[flat].price_components if c.type == "FLAT")
        lines.insert(0, _Line(component, flat, 1))
    for line in lines:
        line.excl = _amount(line.component, line.quantity)
        line.vat = line.excl * Fraction(line.component.vat or 0) / 100
    min_applied, max_applied = _clamp(spec, lines)
    keep = Fraction(100 - discount) / 100
    for line in lines:
        line.excl *= keep
        line.vat *= keep
    return _cost(spec, timeline, slices, lines, discount, min_applied, max_applied, end_us)


def _end(timeline: Timeline, until: datetime | None) -> datetime:
    ends = [t for t in (until, timeline.ended_at) if t is not None]
    if ends:
        return min(ends)
    return max((s.at for s in timeline.samples), default=timeline.started_at)


def _metered_lines(spec: TariffSpec, slices: list[Slice]) -> list[_Line]:
    """Sum each component's quantity over the slices, then round the session's totals up to the step sizes."""
    lines: dict[tuple[str, int], _Line] = {}
    last: dict[str, _Line] = {}
    for s in slices:
        for dimension, element in zip(METERED, s.applied, strict=True):
            quantity = s.energy_wh if dimension == "ENERGY" else s.end_us - s.start_us
            if element is None or quantity == 0:
                continue
            line = lines.get((dimension, element))
            if line is None:
                component = next(c for c in spec.elements[element].price_components if c.type == dimension)
                line = lines[(dimension, element)] = _Line(component, element, 0)
            line.quantity += quantity
            last[dimension] = line
    # OCPI 2.2.1: step_size applies once per session to the total of ENERGY, and once to TIME and
    # PARKING_TIME together, using the step of the last component that billed it; when both time
    # dimensions were billed, only the parking time is rounded (it comes last).
    _round_up(lines.values(), last.get("ENERGY"), "ENERGY", 1)
    timed = "PARKING_TIME" if "PARKING_TIME" in last else "TIME"
    _round_up(lines.values(), last.get(timed), timed, US)
    return list(lines.values())


def _round_up(lines: Iterable[_Line], line: _Line | None, dimension: str, unit: int) -> None:
    if line is None:
        return
    step = line.component.step_size * unit
    total = sum((x.quantity for x in lines if x.component.type == dimension), 0)
    blocks = -(-total // step)  # ceiling
    line.quantity += blocks * step - total


def _amount(component: PriceComponent, quantity: Num) -> Fraction:
    per_unit = Fraction(component.price)
    if component.type == "ENERGY":
        return per_unit * quantity / 1000
    if component.type == "FLAT":
        return per_unit
    return per_unit * quantity / _US_PER_HOUR


def _clamp(spec: TariffSpec, lines: list[_Line]) -> tuple[bool, bool]:
    """min_price and max_price bound the total excl. VAT; the lines scale with it so they still add up.

    VAT follows proportionally, unless the bound gives incl_vat: then the VAT is what that implies.
    """
    total = sum((line.excl for line in lines), Fraction(0))
    bound: Price | None = None
    if spec.min_price is not None and total < spec.min_price.excl_vat:
        bound = spec.min_price
    elif spec.max_price is not None and total > spec.max_price.excl_vat:
        bound = spec.max_price
    if bound is None:
        return False, False
    target = Fraction(bound.excl_vat)
    if total == 0:
        vat_percent = None
        if bound.incl_vat is not None and target:
            vat_percent = Decimal(bound.incl_vat - bound.excl_vat) / bound.excl_vat * 100
        minimum = PriceComponent(type="FLAT", price=bound.excl_vat, vat=vat_percent)
        lines.append(_Line(minimum, None, 1, target, Fraction(bound.incl_vat or bound.excl_vat) - target))
        return True, False
    for line in lines:
        line.excl = line.excl * target / total
        line.vat = line.vat * target / total
    if bound.incl_vat is not None:
        vat_target = Fraction(bound.incl_vat - bound.excl_vat)
        vat_total = sum((line.vat for line in lines), Fraction(0))
        for line in lines:
            line.vat = line.vat * vat_target / vat_total if vat_total else line.excl * vat_target / target
    return bound is spec.min_price, bound is spec.max_price


def _cost(
    spec: TariffSpec,
    timeline: Timeline,
    slices: list[Slice],
    lines: list[_Line],
    discount: Decimal,
    min_applied: bool,
    max_applied: bool,
    end_us: int,
) -> Cost:
    places = minor_units(spec.currency)
    total_excl, excls = allocate([line.excl for line in lines], places)
    total_vat, vats = allocate([line.vat for line in lines], places)
    cost_lines = tuple(
        CostLine(
            type=line.component.type,
            element=line.element,
            unit_price=line.component.price,
            vat_percent=line.component.vat,
            quantity=_volume(line.component.type, line.quantity),
            excl_vat=excl,
            vat=vat,
        )
        for line, excl, vat in zip(lines, excls, vats, strict=True)
    )

    def total_of(kind: str) -> Price:
        excl = sum((x.excl_vat for x in cost_lines if x.type == kind), Decimal(0))
        vat = sum((x.vat for x in cost_lines if x.type == kind), Decimal(0))
        return Price(excl_vat=excl, incl_vat=excl + vat)

    energy = sum((s.energy_wh for s in slices), 0)
    parking = sum((s.end_us - s.start_us for s in slices if not s.charging), 0)
    return Cost(
        currency=spec.currency,
        periods=_periods(timeline, slices),
        lines=cost_lines,
        total_cost=Price(excl_vat=total_excl, incl_vat=total_excl + total_vat),
        total_energy_cost=total_of("ENERGY"),
        total_time_cost=total_of("TIME"),
        total_parking_cost=total_of("PARKING_TIME"),
        total_fixed_cost=total_of("FLAT"),
        total_energy_wh=int(energy),
        total_time_s=end_us // US,
        total_parking_s=int(parking // US),
        min_applied=min_applied,
        max_applied=max_applied,
        discount_percent=discount,
    )


def _volume(kind: str, quantity: Num) -> Decimal:
    if kind == "FLAT":
        return Decimal(1)
    unit = 1000 if kind == "ENERGY" else _US_PER_HOUR
    q = Fraction(quantity) / unit
    return (Decimal(q.numerator) / Decimal(q.denominator)).quantize(_VOLUME)


def _periods(timeline: Timeline, slices: list[Slice]) -> tuple[ChargingPeriod, ...]:
    """Merge neighbouring slices priced alike into OCPI charging periods."""
    groups: list[list[Slice]] = []
    for s in slices:
        if groups and (groups[-1][-1].charging, groups[-1][-1].applied) == (s.charging, s.applied):
            groups[-1].append(s)
        else:
            groups.append([s])
    out = []
    for group in groups:
        head = group[0]
        span = sum((s.end_us - s.start_us for s in group), 0)
        energy = sum((s.energy_wh for s in group), 0)
        used = (energy, span if head.charging else 0, 0 if head.charging else span)
        out.append(
            ChargingPeriod(
                start_date_time=timeline.started_at + timedelta(microseconds=int(head.start_us)),
                energy_kwh=_volume("ENERGY", used[0]),
                time_h=_volume("TIME", used[1]),
                parking_h=_volume("TIME", used[2]),
                # Only the elements that priced something in this period.
                elements={
                    d: e for d, e, q in zip(METERED, head.applied, used, strict=True) if e is not None and q
                },
            )
        )
    return tuple(out)


# -- JSON --------------------------------------------------------------------------------------------


def periods_to_json(periods: tuple[ChargingPeriod, ...]) -> list[dict[str, Any]]:
    """OCPI CDR charging periods: start_date_time and dimensions (ENERGY kWh, TIME and PARKING_TIME hours)."""
    out = []
    for p in periods:
        dimensions = [
            {"type": kind, "volume": str(volume)}
            for kind, volume in (("ENERGY", p.energy_kwh), ("TIME", p.time_h), ("PARKING_TIME", p.parking_h))
            if volume
        ]
        out.append(
            {"start_date_time": p.start_date_time.isoformat(), "dimensions": dimensions, "tariff_elements": p.elements}
        )
    return out


def lines_to_json(lines: tuple[CostLine, ...]) -> list[dict[str, Any]]:
    return [
        {
            "type": x.type,
            "element": x.element,
            "unit_price": str(x.unit_price),
            "vat_percent": None if x.vat_percent is None else str(x.vat_percent),
            "quantity": str(x.quantity),
            "excl_vat": str(x.excl_vat),
            "vat": str(x.vat),
            "incl_vat": str(x.excl_vat + x.vat),
        }
        for x in lines
    ]


def cost_to_json(cost: Cost) -> dict[str, Any]:
    return {
        "currency": cost.currency,
        "total_cost": price_to_json(cost.total_cost),
        "total_energy_cost": price_to_json(cost.total_energy_cost),
        "total_time_cost": price_to_json(cost.total_time_cost),
        "total_parking_cost": price_to_json(cost.total_parking_cost),
        "total_fixed_cost": price_to_json(cost.total_fixed_cost),
        "total_energy_wh": cost.total_energy_wh,
        "total_time_s": cost.total_time_s,
        "total_parking_s": cost.total_parking_s,
        "min_applied": cost.min_applied,
        "max_applied": cost.max_applied,
        "discount_percent": str(cost.discount_percent),
        "charging_periods": periods_to_json(cost.periods),
        "lines": lines_to_json(cost.lines),
    }
