"""A connector's energy meter and the car behind it: what MeterValues report.

The register integrates power over real elapsed time, so that it grows the way a real meter's does
and the central system's energy (stop register minus start register) can be checked against it.
"""

from __future__ import annotations

import math
import random
import time
from typing import Any

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
CURRENT = "Current.Import"
VOLTAGE = "Voltage"
SOC = "SoC"
SUPPORTED_MEASURANDS = (ENERGY, POWER, CURRENT, VOLTAGE, SOC)
DEFAULT_MEASURANDS = ",".join(SUPPORTED_MEASURANDS)

NOMINAL_VOLTAGE = 230.0
TAPER_FROM_SOC = 80.0  # above this state of charge the car takes less and less power


class Meter:
    def __init__(self, rng: random.Random, *, max_power_w: float, phases: int = 3,
                 battery_wh: float = 60_000.0) -> None:
        self._rng = rng
        self.max_power_w = max_power_w
        self.phases = phases
        self.battery_wh = battery_wh
        # A meter that has been in service for a while: registers rarely start at zero.
        self._register_wh = float(rng.randrange(100_000, 5_000_000))
        self._since = time.monotonic()
        self.charging = False
        self.power_w = 0.0
        self.voltage = NOMINAL_VOLTAGE
        self.soc: float | None = None  # known while a car is plugged in
        # What the charge point allows (smart charging): None is its full power. The charger regulates
        # current, so a limit in watts at the nominal voltage never lets more amps through.
        self.limit_w: float | None = None
        self.phases_in_use = phases

    @property
    def register_wh(self) -> int:
        """The import register as the meter shows it: whole Wh, never decreasing."""
        self._advance()
        return math.floor(self._register_wh)

    def plug_in(self) -> None:
        self.soc = self._rng.uniform(15.0, 50.0)

    def unplug(self) -> None:
        self.stop_charging()
        self.soc = None

    def start_charging(self) -> None:
        self._advance()
        self.charging = True
        if self.soc is None:
            self.plug_in()
        self._set_power()

    def stop_charging(self) -> None:
        self._advance()
        self.charging = False
        self.power_w = 0.0

    def set_limit(self, limit_w: float | None, phases: int | None = None) -> None:
        """From now on draw at most `limit_w` over `phases` phases; the energy until now keeps the old rate."""
        self._advance()
        self.limit_w = limit_w
        self.phases_in_use = min(phases or self.phases, self.phases)
        if self.charging:
            self._set_power()

    @property
    def current_a(self) -> float:
        """Amps per phase in use, now."""
        return self.power_w / (self.voltage * self.phases_in_use)

    def _advance(self) -> None:
        now = time.monotonic()
        elapsed = now - self._since
        self._since = now
        if not self.charging or elapsed <= 0:
            return
        energy = self.power_w * elapsed / 3600
        self._register_wh += energy
        if self.soc is not None:
            self.soc = min(100.0, self.soc + energy / self.battery_wh * 100)
        self._set_power()

    def _set_power(self) -> None:
        soc = self.soc if self.soc is not None else 0.0
        taper = 1.0 if soc < TAPER_FROM_SOC else max(0.05, (100.0 - soc) / (100.0 - TAPER_FROM_SOC))
        if soc >= 100.0:
            taper = 0.0
        self.voltage = NOMINAL_VOLTAGE + self._rng.uniform(-2.0, 2.0)
        power = self.max_power_w * taper * self._rng.uniform(0.97, 1.0) if self.charging else 0.0
        if self.limit_w is not None:
            power = min(power, self.limit_w * min(self.voltage, NOMINAL_VOLTAGE) / NOMINAL_VOLTAGE)
        self.power_w = power

    def sampled_values(self, measurands: list[str], context: str) -> list[dict[str, Any]]:
        """The sampledValue list of one MeterValue, for the measurands asked for."""
        register = self.register_wh  # advances first, so power and SoC below are current
        values: list[dict[str, Any]] = []
        for measurand in measurands:
            if measurand == ENERGY:
                values.append(_sample(str(register), context, ENERGY, "Wh", "Outlet"))
            elif measurand == POWER:
                values.append(_sample(str(round(self.power_w)), context, POWER, "W", "Outlet"))
            elif measurand == CURRENT:
                per_phase = self.current_a
                for n in range(1, self.phases + 1):
                    amps = per_phase if n <= self.phases_in_use else 0.0
                    values.append(_sample(f"{amps:.1f}", context, CURRENT, "A", "Outlet", f"L{n}"))
            elif measurand == VOLTAGE:
                for n in range(1, self.phases + 1):
                    values.append(_sample(f"{self.voltage:.1f}", context, VOLTAGE, "V", "Outlet", f"L{n}-N"))
            elif measurand == SOC and self.soc is not None:
                values.append(_sample(str(math.floor(self.soc)), context, SOC, "Percent", "EV"))
        return values


def _sample(value: str, context: str, measurand: str, unit: str, location: str,
            phase: str | None = None) -> dict[str, Any]:
    sample = {"value": value, "context": context, "format": "Raw", "measurand": measurand, "location": location,
              "unit": unit}
    if phase is not None:
        sample["phase"] = phase
    return sample
