"""Meter readings as every protocol version delivers them, and the energy register in them.

A reading is what OCPP calls a MeterValue: the sampled values a meter took at one moment. It is stored
as one row with its sampled values as JSON, exactly as sent (a SignedData value byte for byte), and
the import register extracted beside it for the running energy and, later, pricing.

Sampled values stay plain dicts in the version-neutral shape below (OCPP 1.6's, which 2.0.1 maps to):
they arrive as dicts and leave as JSON, and this is the hot path, so no object is built for each.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import NotRequired, TypedDict

import orjson

ENERGY_REGISTER = "Energy.Active.Import.Register"


class SampledValue(TypedDict):
    value: str
    context: NotRequired[str]
    format: NotRequired[str]
    measurand: NotRequired[str]
    phase: NotRequired[str]
    location: NotRequired[str]
    unit: NotRequired[str]


def energy_register_wh(sample: SampledValue) -> int | None:
    """The import register in Wh if this value is it (whole charger, raw, Wh or kWh), else None."""
    if sample.get("measurand", ENERGY_REGISTER) != ENERGY_REGISTER or "phase" in sample:
        return None
    if sample.get("format", "Raw") != "Raw" or sample.get("location", "Outlet") != "Outlet":
        return None
    try:
        value = Decimal(sample["value"])
    except InvalidOperation:
        return None
    unit = sample.get("unit", "Wh")
    if unit == "kWh":
        value *= 1000
    elif unit != "Wh":
        return None
    return int(value.to_integral_value()) if value.is_finite() else None


@dataclass(frozen=True, slots=True)
class MeterReading:
    timestamp: datetime
    values: list[SampledValue]

    def energy_register_wh(self) -> int | None:
        return next((wh for v in self.values if (wh := energy_register_wh(v)) is not None), None)

    def values_json(self) -> str:
        return orjson.dumps(self.values).decode()

    def key(self, connector_id: int, values_json: str) -> str:
        """Identifies this reading, so that a re-sent message does not store it twice."""
        raw = f"{connector_id}|{self.timestamp.isoformat()}|{values_json}"
        return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def values_from_json(text: str) -> list[SampledValue]:
    values: list[SampledValue] = orjson.loads(text)
    return values
