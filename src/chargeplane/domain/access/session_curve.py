"""A session's energy and power over time, as the driver app shows them: a chart, and the power now.

Read from the stored meter readings (`pricing.timeline_source.load_readings`, the same the pricing
uses). Power is the charger's own Power.Active.Import where it sent one; otherwise it is derived
from the energy between a reading and the one before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chargeplane.db import UnitOfWork
from chargeplane.domain.pricing.timeline_source import load_readings
from chargeplane.domain.sessions.models import ChargingSession


@dataclass(frozen=True, slots=True)
class CurvePoint:
    at: datetime
    energy_wh: int  # since the session's start
    power_w: int | None  # None: neither measured nor derivable (the first reading)


def session_curve(uow: UnitOfWork, session: ChargingSession) -> list[CurvePoint]:
    points: list[CurvePoint] = []
    before: tuple[datetime, int] | None = None  # the last reading with a register
    for reading in load_readings(uow, session):
        register = reading.register_wh
        if register is None and reading.power_w is None:
            continue
        if register is not None and session.meter_start_wh is not None:
            energy = max(0, register - session.meter_start_wh)
        else:
            energy = points[-1].energy_wh if points else 0
        power = reading.power_w
        if power is None and register is not None and before is not None:
            seconds = (reading.at - before[0]).total_seconds()
            if seconds > 0:
                power = max(0, round((register - before[1]) * 3600 / seconds))
        if register is not None:
            before = (reading.at, register)
        points.append(CurvePoint(reading.at, energy, power))
    return points


def power_now(uow: UnitOfWork, session: ChargingSession) -> int | None:
    """The power of a running session at its latest reading, in W."""
    if session.state != "active":
        return None
    curve = session_curve(uow, session)
    return curve[-1].power_w if curve else None
