"""What happened during a session, as the pricing engine needs it: when, how much energy, charging or not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Sample:
    """One reading: energy since the session's start, and what the car does from now until the next sample.

    `energy_wh` is the meter register minus the meter start: cumulative and non-decreasing.
    `charging` is False while the car sits at the charger without drawing power (parking).
    `power_w` is the measured power if the charger reported one; otherwise the engine derives
    power from the energy and time between samples.
    """

    at: datetime
    energy_wh: int
    charging: bool = True
    power_w: int | None = None


@dataclass(frozen=True, slots=True)
class Timeline:
    """A session for pricing: `started_at`/`ended_at` are aware datetimes (UTC); `ended_at` is None while it runs.

    `time_zone` is the site's IANA zone: tariff times of day, dates and days of week are read in it.
    """

    started_at: datetime
    ended_at: datetime | None
    time_zone: str
    samples: tuple[Sample, ...] = ()
