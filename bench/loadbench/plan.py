"""What one benchmark run does: fleet size, rate, phases, message mix; and each worker's share of it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chargeplane.simulator.meter import DEFAULT_MEASURANDS
from loadbench.pacer import mix_pattern
from loadbench.worker import WorkerPlan
from loadbench.workers import split

PASSWORD = "bench-password-1"


@dataclass(frozen=True, slots=True)
class LoadSettings:
    chargers: int
    rates: list[float]           # messages per second over the whole fleet, one sustained step each
    duration: float              # seconds measured
    warmup: float                # seconds at the rate before measuring
    workers: int
    connect_rate: float          # new connections per second during the ramp, at most ...
    connect_window: int          # ... with no more chargers than this on their way to a running session
    ramp_timeout: float
    mix: dict[str, float]        # message kind -> share
    measurands: str = DEFAULT_MEASURANDS
    call_timeout: float = 30.0
    crash_check: bool = True     # SIGKILL the server at the end of the window, then count what is stored
    profile_dir: Path | None = None
    status_every: float = 5.0

    @property
    def identities(self) -> list[str]:
        return [f"BENCH-{n}" for n in range(1, self.chargers + 1)]

    @property
    def id_tags(self) -> list[str]:
        return [f"BT{n}" for n in range(1, self.chargers + 1)]

    def worker_plans(self, ocpp_url: str) -> list[WorkerPlan]:
        pattern = list(mix_pattern(self.mix))
        return [
            WorkerPlan(url=ocpp_url, password=PASSWORD, identities=ids, id_tags=tags,
                       connect_rate=self.connect_rate / self.workers,
                       connect_window=max(1, self.connect_window // self.workers),
                       pattern=pattern, measurands=self.measurands,
                       call_timeout=self.call_timeout)
            for ids, tags in zip(split(self.identities, self.workers), split(self.id_tags, self.workers),
                                 strict=True)
        ]
