"""A simulated charger that also counts what the central system acknowledged.

The zero-lost check compares these counts with the rows in the database: every MeterValues that got a
CALLRESULT must be in the message log, and every reading in it stored with all its sampled values.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from chargeplane.simulator import ChargerOptions, SimulatedCharger


class CountingCharger(SimulatedCharger):
    def __init__(self, options: ChargerOptions) -> None:
        super().__init__(options)
        self.acked: Counter[str] = Counter()
        self.acked_readings = 0  # meterValue elements: one row each in meter_values
        self.acked_samples = 0

    async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        # Every CALL but BootNotification goes through here (the transaction queue's delivery too);
        # it returns only for a CALLRESULT: CALLERRORs, timeouts and lost links raise.
        reply = await super().call(action, payload)
        self.acked[action] += 1
        if action == "MeterValues":
            readings = payload.get("meterValue", ())
            self.acked_readings += len(readings)
            self.acked_samples += sum(len(mv.get("sampledValue", ())) for mv in readings)
        return reply
