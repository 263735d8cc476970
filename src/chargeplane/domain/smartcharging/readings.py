"""What load balancing reads from meter values: the current a session draws and the car's state of charge."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from chargeplane.domain.sessions.readings import SampledValue

CURRENT, POWER, SOC = "Current.Import", "Power.Active.Import", "SoC"


def _number(sample: SampledValue) -> Decimal | None:
    try:
        value = Decimal(sample["value"])
    except (InvalidOperation, KeyError):
        return None
    return value if value.is_finite() and value >= 0 else None


def current_draw_da(values: Iterable[SampledValue], *, phases: int = 3, voltage: int = 230) -> int | None:
    """Deciamperes on the busiest phase: Current.Import if reported, else power spread over the phases."""
    currents: list[Decimal] = []
    power: Decimal | None = None
    for sample in values:
        if sample.get("location", "Outlet") != "Outlet" or sample.get("format", "Raw") != "Raw":
            continue
        measurand = sample.get("measurand")
        number = _number(sample)
        if number is None:
            continue
        if measurand == CURRENT:
            currents.append(number)
        elif measurand == POWER and "phase" not in sample:
            power = number * 1000 if sample.get("unit") == "kW" else number
    if currents:
        return int(max(currents) * 10)
    if power is not None:
        return int(power * 10 / (voltage * phases))
    return None


def soc_percent(values: Iterable[SampledValue]) -> int | None:
    for sample in values:
        if sample.get("measurand") == SOC and (number := _number(sample)) is not None:
            return int(number)
    return None
