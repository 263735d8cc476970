"""Meter readings as every protocol version delivers them, and the energy register in them.

A reading is what OCPP calls a MeterValue: the sampled values a meter took at one moment. It is stored
as one row with its sampled values as JSON, exactly as sent (a SignedData value byte for byte), and
the import register extracted beside it for the running energy and, later, pricing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

ENERGY_REGISTER = "Energy.Active.Import.Register"
_FIELDS = ("value", "context", "format", "measurand", "phase", "location", "unit")


@dataclass(frozen=True, slots=True)
class SampledValue:
    value: str
    context: str | None = None
    format: str | None = None
    measurand: str | None = None
    phase: str | None = None
    location: str | None = None
    unit: str | None = None

    def energy_register_wh(self) -> int | None:
        """The import register in Wh if this value is it (whole charger, raw, Wh or kWh), else None."""
        if (self.measurand or ENERGY_REGISTER) != ENERGY_REGISTER or self.phase is not None:
            return None
        if (self.format or "Raw") != "Raw" or (self.location or "Outlet") != "Outlet":
            return None
        try:
            value = Decimal(self.value)
        except InvalidOperation:
            return None
        unit = self.unit or "Wh"
        if unit == "kWh":
            value *= 1000
        elif unit != "Wh":
            return None
        return int(value.to_integral_value()) if value.is_finite() else None

    def as_dict(self) -> dict[str, str]:
        return {name: v for name in _FIELDS if (v := getattr(self, name)) is not None}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> SampledValue:
        return cls(**{name: raw.get(name) for name in _FIELDS})


@dataclass(frozen=True, slots=True)
class MeterReading:
    timestamp: datetime
    values: tuple[SampledValue, ...]

    def energy_register_wh(self) -> int | None:
        return next((wh for v in self.values if (wh := v.energy_register_wh()) is not None), None)

    def values_json(self) -> str:
        return orjson.dumps([v.as_dict() for v in self.values]).decode()

    def key(self, connector_id: int, values_json: str) -> str:
        """Identifies this reading, so that a re-sent message does not store it twice."""
        raw = f"{connector_id}|{self.timestamp.isoformat()}|{values_json}"
        return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def values_from_json(text: str) -> list[SampledValue]:
    return [SampledValue.from_dict(raw) for raw in orjson.loads(text)]
