"""Many simulated chargers run together, with one status line about all of them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from chargeplane.simulator.charger import SimulatedCharger
from chargeplane.simulator.options import ChargerOptions
from chargeplane.simulator.stats import ChargerStats, LatencyHistogram, combined


def fleet_identities(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{n}" for n in range(1, count + 1)]


class Fleet:
    def __init__(self, chargers: list[SimulatedCharger]) -> None:
        self.chargers = chargers
        self._last_sent = 0
        self._last_at = time.monotonic()
        self._last_round_trips = LatencyHistogram()

    @classmethod
    def build(cls, *, url: str, count: int, identity_prefix: str, password: str | None,
              id_tags: list[str], **options: Any) -> Fleet:
        """`count` chargers PREFIX-1..N; charger n uses id_tags[n-1] (or the only one given)."""
        chargers = []
        for n, identity in enumerate(fleet_identities(identity_prefix, count)):
            id_tag = id_tags[n] if len(id_tags) > 1 else id_tags[0]
            chargers.append(SimulatedCharger(ChargerOptions(url=url, identity=identity, password=password,
                                                            id_tag=id_tag, **options)))
        return cls(chargers)

    @property
    def stats(self) -> ChargerStats:
        return combined(c.stats for c in self.chargers)

    async def start(self, *, spread_seconds: float = 0.0) -> None:
        """Connect every charger (and start its charging loop if it has `auto_charge`), the starts spread
        evenly over `spread_seconds` so that a large fleet does not knock all at once."""
        step = spread_seconds / len(self.chargers) if self.chargers else 0.0
        for charger in self.chargers:
            charger.start()
            if charger.options.auto_charge:
                charger.start_charging_loop()
            if step:
                await asyncio.sleep(step)

    async def wait_ready(self, timeout: float = 30.0) -> None:
        async with asyncio.timeout(timeout):
            await asyncio.gather(*(c.wait_ready(None) for c in self.chargers))

    async def stop(self, *, graceful: bool = True, timeout: float = 5.0) -> None:
        await asyncio.gather(*(c.stop(graceful=graceful, timeout=timeout) for c in self.chargers),
                             return_exceptions=True)

    async def report(self, write: Callable[[str], None], every: float = 5.0) -> None:
        """Write a status line every `every` seconds until cancelled."""
        while True:
            await asyncio.sleep(every)
            write(self.status_line())

    def status_line(self) -> str:
        total = self.stats
        now = time.monotonic()
        rate = (total.calls_sent - self._last_sent) / max(now - self._last_at, 1e-9)
        self._last_sent, self._last_at = total.calls_sent, now
        # Latency of the last period only: a slow start-up should not colour every later line.
        recent = total.round_trips.since(self._last_round_trips)
        self._last_round_trips = total.round_trips
        p50, p99 = recent.percentile(50), recent.percentile(99)
        latency = f"rtt p50 {p50 * 1000:.1f} ms p99 {p99 * 1000:.1f} ms" if p50 is not None and p99 is not None \
            else "rtt -"
        connected = sum(1 for c in self.chargers if c.ready)
        charging = sum(c.charging for c in self.chargers)
        queued = sum(len(c.queue) for c in self.chargers)
        parts = [
            datetime.now().strftime("%H:%M:%S"),
            f"connected {connected}/{len(self.chargers)}",
            f"charging {charging}",
            f"sessions {total.sessions_completed} done",
            f"{rate:.1f} msgs/s",
            latency,
            f"CALLERRORs {total.call_errors_received}",
            f"timeouts {total.timeouts}",
        ]
        if queued:
            parts.append(f"queued {queued}")
        if total.handshake_refusals:
            parts.append(f"refused {total.handshake_refusals} ({total.last_refusal})")
        return " | ".join(parts)
