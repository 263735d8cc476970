"""Published after the unit that changed an alarm committed (webhooks, live pages)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class AlarmChanged:
    tenant_id: uuid.UUID
    alarm_id: uuid.UUID
    change: str  # raised | acknowledged | resolved
    cause: str
    level: str
    charge_point_id: uuid.UUID | None
    at: datetime
