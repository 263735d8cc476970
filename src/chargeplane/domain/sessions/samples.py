"""Meter samples as every protocol version delivers them, and how to read energy from them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

ENERGY_REGISTER = "Energy.Active.Import.Register"


@dataclass(frozen=True, slots=True)
class Sample:
    timestamp: datetime
    value: str
    context: str | None = None
    format: str | None = None
    measurand: str | None = None
    phase: str | None = None
    location: str | None = None
    unit: str | None = None

    def key(self, connector_id: int) -> str:
        """Identifies this sample, so that a re-sent message does not store it twice."""
        raw = "|".join((str(connector_id), self.timestamp.isoformat(), self.measurand or "", self.phase or "",
                        self.location or "", self.context or "", self.unit or "", self.format or "", self.value))
        return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()

    def energy_register_wh(self) -> int | None:
        """The import register in Wh if this sample is it (whole charger, raw, Wh or kWh), else None."""
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
        return int(value.to_integral_value())
