"""What a load worker reports about its chargers, as plain JSON, and how reports add up.

A snapshot is cumulative since the worker started: the figures of a time window are the difference
of two snapshots, and the figures of the fleet the sum over the workers.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from chargeplane.simulator.stats import ChargerStats, LatencyHistogram

# Counters copied from the simulator's ChargerStats as they are.
STATS_COUNTERS = ("calls_sent", "results_received", "call_errors_received", "timeouts", "connects",
                  "handshake_refusals", "disconnects", "sessions_started", "queued_dropped")


@dataclass(slots=True)
class Snapshot:
    at: float = 0.0                 # time.monotonic() of the reading (one clock for all processes)
    chargers: int = 0
    ready: int = 0                  # connected, booted, statuses reported
    charging: int = 0               # with a running transaction
    queued: int = 0                 # transaction messages waiting in the chargers' queues
    in_flight: int = 0              # the pacer's messages sent and not answered yet
    cpu_seconds: float = 0.0        # of the worker process
    paced: int = 0                  # messages the pacer asked chargers to send
    paced_skipped: int = 0          # ... that it could not place: every charger tried was busy
    calls_sent: int = 0
    results_received: int = 0
    call_errors_received: int = 0
    timeouts: int = 0
    connects: int = 0
    handshake_refusals: int = 0
    disconnects: int = 0
    sessions_started: int = 0
    queued_dropped: int = 0
    acked: dict[str, int] = field(default_factory=dict)  # CALLRESULTs received, per action
    acked_readings: int = 0         # meterValue elements in MeterValues that got a CALLRESULT
    acked_samples: int = 0          # ... and the sampled values in them
    rtt_counts: dict[int, int] = field(default_factory=dict)  # the simulator's LatencyHistogram buckets
    rtt_count: int = 0
    rtt_total: float = 0.0
    rtt_max: float = 0.0

    @property
    def answered(self) -> int:
        return self.results_received + self.call_errors_received

    def fill_from_stats(self, stats: ChargerStats) -> None:
        for name in STATS_COUNTERS:
            setattr(self, name, getattr(stats, name))
        histogram = stats.round_trips
        self.rtt_counts = dict(histogram.counts)
        self.rtt_count, self.rtt_total, self.rtt_max = histogram.count, histogram.total, histogram.max

    def histogram(self) -> LatencyHistogram:
        histogram = LatencyHistogram()
        histogram.counts = Counter(self.rtt_counts)
        histogram.count, histogram.total, histogram.max = self.rtt_count, self.rtt_total, self.rtt_max
        return histogram

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Snapshot:
        snapshot = cls(**data)
        snapshot.rtt_counts = {int(k): v for k, v in data["rtt_counts"].items()}  # JSON keys are strings
        return snapshot


_GAUGES = ("chargers", "ready", "charging", "queued", "in_flight")
_SUMMED = (*_GAUGES, "cpu_seconds", "paced", "paced_skipped", *STATS_COUNTERS, "acked_readings", "acked_samples",
           "rtt_count", "rtt_total")


def merged(snapshots: Iterable[Snapshot]) -> Snapshot:
    """The fleet: every worker's figures added up (`at` is the latest reading)."""
    total = Snapshot()
    for s in snapshots:
        for name in _SUMMED:
            setattr(total, name, getattr(total, name) + getattr(s, name))
        total.acked = dict(Counter(total.acked) + Counter(s.acked))
        total.rtt_counts = dict(Counter(total.rtt_counts) + Counter(s.rtt_counts))
        total.rtt_max = max(total.rtt_max, s.rtt_max)
        total.at = max(total.at, s.at)
    return total


def window(start: Snapshot, end: Snapshot) -> Snapshot:
    """What happened between two readings. Gauges (ready, charging, queued) are the end's."""
    diff = dataclasses.replace(end)
    for name in _SUMMED:
        if name not in _GAUGES:
            setattr(diff, name, getattr(end, name) - getattr(start, name))
    diff.acked = dict(Counter(end.acked) - Counter(start.acked))
    diff.rtt_counts = dict(Counter(end.rtt_counts) - Counter(start.rtt_counts))
    # The largest round trip of the window is not kept; its bucket's upper edge bounds it within 5 %.
    top = max(diff.rtt_counts, default=None)
    diff.rtt_max = min(end.rtt_max, _upper_edge(top)) if top is not None else 0.0
    return diff


def _upper_edge(bucket: int) -> float:
    """The upper edge of a LatencyHistogram bucket, read through its own percentile code."""
    histogram = LatencyHistogram()
    histogram.counts[bucket] = 1
    histogram.count, histogram.max = 1, float("inf")
    edge = histogram.percentile(100)
    assert edge is not None
    return edge
