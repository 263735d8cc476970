"""Counters a charger keeps about its own traffic, so that a benchmark can read rates and latencies."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

# Round trips go into log-spaced buckets 5 % wide: a percentile read from them is within 5 % of the
# exact one, and memory stays a few hundred counters however long a 10,000-charger run lasts.
_SMALLEST = 1e-5   # 10 µs: anything faster lands in the first bucket
_GROWTH = 1.05
_LOG_GROWTH = math.log(_GROWTH)


class LatencyHistogram:
    def __init__(self) -> None:
        self.counts: Counter[int] = Counter()
        self.count = 0
        self.total = 0.0
        self.max = 0.0

    def record(self, seconds: float) -> None:
        bucket = 0 if seconds <= _SMALLEST else 1 + int(math.log(seconds / _SMALLEST) / _LOG_GROWTH)
        self.counts[bucket] += 1
        self.count += 1
        self.total += seconds
        self.max = max(self.max, seconds)

    def percentile(self, p: float) -> float | None:
        """The p-th percentile (0..100), as the upper edge of its bucket; None when nothing was recorded."""
        if not self.count:
            return None
        rank = max(1, math.ceil(p / 100 * self.count))
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen >= rank:
                return min(_SMALLEST * _GROWTH**bucket, self.max)
        return self.max

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    def add(self, other: LatencyHistogram) -> None:
        self.counts.update(other.counts)
        self.count += other.count
        self.total += other.total
        self.max = max(self.max, other.max)

    def since(self, earlier: LatencyHistogram) -> LatencyHistogram:
        """What was recorded after `earlier` (a copy of this one, taken before)."""
        recent = LatencyHistogram()
        recent.counts = self.counts - earlier.counts
        recent.count = self.count - earlier.count
        recent.total = self.total - earlier.total
        recent.max = self.max  # the maximum cannot be taken apart; the all-time one is an upper bound
        return recent

    def copy(self) -> LatencyHistogram:
        clone = LatencyHistogram()
        clone.add(self)
        return clone


@dataclass(slots=True)
class ChargerStats:
    calls_sent: int = 0               # our CALLs written to the socket (every attempt counts)
    results_received: int = 0         # CALLRESULTs to our CALLs
    call_errors_received: int = 0     # CALLERRORs to our CALLs
    timeouts: int = 0                 # our CALLs that got no answer in time
    calls_received: int = 0           # CALLs the server sent us
    call_errors_sent: int = 0         # CALLERRORs we answered the server with
    connects: int = 0                 # handshakes that succeeded
    handshake_refusals: int = 0       # handshakes the server refused (HTTP status) or that failed
    last_refusal: str | None = None   # e.g. "HTTP 401"
    disconnects: int = 0
    boots: int = 0                    # BootNotifications answered Accepted
    sessions_started: int = 0
    sessions_completed: int = 0
    queued_dropped: int = 0           # transaction messages given up on (CALLERROR, or out of attempts)
    sent_by_action: Counter[str] = field(default_factory=Counter)
    round_trips: LatencyHistogram = field(default_factory=LatencyHistogram)  # CALL sent -> answer read

    @property
    def answers_received(self) -> int:
        return self.results_received + self.call_errors_received


_COUNTERS = ("calls_sent", "results_received", "call_errors_received", "timeouts", "calls_received",
             "call_errors_sent", "connects", "handshake_refusals", "disconnects", "boots", "sessions_started",
             "sessions_completed", "queued_dropped")


def combined(stats: Iterable[ChargerStats]) -> ChargerStats:
    """The sum over many chargers."""
    total = ChargerStats()
    for s in stats:
        for name in _COUNTERS:
            setattr(total, name, getattr(total, name) + getattr(s, name))
        total.sent_by_action.update(s.sent_by_action)
        total.round_trips.add(s.round_trips)
        total.last_refusal = s.last_refusal or total.last_refusal
    return total
