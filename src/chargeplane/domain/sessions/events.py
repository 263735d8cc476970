from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from chargeplane.domain.sessions.readings import SampledValue


@dataclass(frozen=True, slots=True)
class SessionStarted:
    tenant_id: uuid.UUID
    session_id: uuid.UUID
    charge_point_id: uuid.UUID
    connector_id: int
    transaction_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class SessionStopped:
    tenant_id: uuid.UUID
    session_id: uuid.UUID
    charge_point_id: uuid.UUID
    transaction_id: int | None
    energy_wh: int | None
    status: str
    at: datetime


@dataclass(frozen=True, slots=True)
class SessionMetered:
    """Meter values arrived for a running session (webhooks' session.updated)."""

    tenant_id: uuid.UUID
    session_id: uuid.UUID
    charge_point_id: uuid.UUID
    transaction_id: int | None
    energy_register_wh: int | None  # the latest import register reading in them, if any
    at: datetime
    # The latest reading's sampled values as sent (not copied): load balancing reads the draw in them.
    values: Sequence[SampledValue] = ()
