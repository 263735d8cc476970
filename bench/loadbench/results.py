"""The figures of one run against one server, as the report prints them and results.json keeps them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Durability:
    """Acknowledged by the server (counted by the clients) against stored (counted in the database)."""

    crashed: bool                 # the server was SIGKILLed under load before counting
    acked_meter_values: int
    logged_meter_values: int
    acked_readings: int
    stored_readings: int | None   # None: the schema stores sampled values, not readings
    acked_samples: int
    stored_samples: int
    acked_starts: int
    stored_sessions: int

    @property
    def lost(self) -> int:
        """Acknowledged and missing, summed over messages, readings, sampled values and sessions.
        More stored than acknowledged is fine: answers that were on the wire when the server died."""
        readings = 0 if self.stored_readings is None else max(0, self.acked_readings - self.stored_readings)
        return (max(0, self.acked_meter_values - self.logged_meter_values) + readings
                + max(0, self.acked_samples - self.stored_samples)
                + max(0, self.acked_starts - self.stored_sessions))


@dataclass(slots=True)
class RunResult:
    label: str
    chargers: int
    offered_rate: float = 0.0     # messages per second the pacer was asked for
    # ramp
    connected_after_ramp: int = 0
    ramp_seconds: float = 0.0
    ramp_complete: bool = False
    registration_seconds: float | None = None
    # the measured window
    window_seconds: float = 0.0
    held: int = 0                 # chargers connected at both ends of the window
    disconnects: int = 0
    answered: int = 0
    achieved_rate: float = 0.0
    rtt_p50: float | None = None
    rtt_p99: float | None = None
    rtt_max: float | None = None
    call_errors: int = 0
    timeouts: int = 0
    skipped: int = 0
    in_flight_at_end: int = 0     # sent or queued, not answered yet, when the window closed
    # resources
    rss_before: int = 0
    rss_after_ramp: int = 0
    rss_end: int = 0
    server_cores: float = 0.0     # CPU seconds per second of the server process (all its threads)
    database_cores: float = 0.0   # ... of PostgreSQL's processes for this database
    client_cores: float = 0.0     # ... of the load workers
    machine_busy: float = 0.0     # share of all the machine's cores that was busy
    # persistence
    samples_per_second: float = 0.0   # sampled values in MeterValues answered, per second
    meter_rows_per_second: float | None = None
    message_rows_per_second: float | None = None
    commits_per_second: float | None = None   # database transactions (PostgreSQL only)
    batches_per_second: float | None = None   # group commits, from the server's own counters
    units_per_batch: float | None = None
    durability: Durability | None = None
    gc: dict[str, Any] | None = None
    full_collection: dict[str, Any] | None = None  # forced after the last window: ms, objects per generation
    profile: str | None = None        # py-spy's view of the window (--profile)
    ramp_profile: str | None = None   # ... and of the ramp
    notes: list[str] = field(default_factory=list)

    @property
    def column(self) -> str:
        return f"{self.label} @{self.offered_rate:g}"

    @property
    def memory_per_connection(self) -> float | None:
        if self.connected_after_ramp <= 0:
            return None
        return (self.rss_after_ramp - self.rss_before) / self.connected_after_ramp

    @property
    def messages_per_commit(self) -> float | None:
        return self.achieved_rate / self.commits_per_second if self.commits_per_second else None

    @property
    def messages_per_server_cpu_second(self) -> float | None:
        """What one fully busy core would answer at this mix: achieved rate / cores used."""
        return self.achieved_rate / self.server_cores if self.server_cores > 0 else None
