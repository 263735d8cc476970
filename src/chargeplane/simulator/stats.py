"""Counters a charger keeps about its own traffic, so that a benchmark can read rates and latencies."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Enough round trips for a steady p99 without letting a long run grow memory without bound.
MAX_ROUND_TRIPS = 100_000


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
    round_trips: list[float] = field(default_factory=list)  # seconds, CALL sent to answer read

    def record_round_trip(self, seconds: float) -> None:
        if len(self.round_trips) >= MAX_ROUND_TRIPS:
            # Keep the newest: drop the older half at once rather than one element per call.
            del self.round_trips[: MAX_ROUND_TRIPS // 2]
        self.round_trips.append(seconds)

    @property
    def answers_received(self) -> int:
        return self.results_received + self.call_errors_received


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100); None when there is nothing to rank."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def combined(stats: Iterable[ChargerStats]) -> ChargerStats:
    """The sum over many chargers (round trips concatenated)."""
    total = ChargerStats()
    for s in stats:
        for name in ("calls_sent", "results_received", "call_errors_received", "timeouts", "calls_received",
                     "call_errors_sent", "connects", "handshake_refusals", "disconnects", "boots",
                     "sessions_started", "sessions_completed", "queued_dropped"):
            setattr(total, name, getattr(total, name) + getattr(s, name))
        total.sent_by_action.update(s.sent_by_action)
        total.round_trips.extend(s.round_trips)
        total.last_refusal = s.last_refusal or total.last_refusal
    return total
