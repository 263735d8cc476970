"""What can raise an alarm, and each cause's default rule."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Final

LEVELS: Final = ("critical", "major", "minor", "info")


@dataclass(frozen=True, slots=True)
class Rule:
    enabled: bool
    level: str
    # charger_offline only: how long a charger may be away before the alarm is raised.
    offline_after_seconds: int = 600
    notify_emails: tuple[str, ...] = ()


DEFAULT_RULES: Final[dict[str, Rule]] = {
    "connector_faulted": Rule(True, "major"),
    "charger_offline": Rule(True, "major", offline_after_seconds=600),
    "security_event": Rule(True, "critical"),
    "boot_rejected": Rule(True, "minor"),
    "abnormal_session": Rule(True, "minor"),
    "firmware_failed": Rule(True, "major"),
    "connection_takeover": Rule(True, "info"),
}
CAUSES: Final = tuple(DEFAULT_RULES)


def cause_key(cause: str, charge_point_id: uuid.UUID | None, detail: str | int | uuid.UUID | None = None) -> str:
    """What makes two alarms the same problem: at most one of them is open at a time."""
    parts = [cause, str(charge_point_id) if charge_point_id else "-"]
    if detail is not None:
        parts.append(str(detail))
    return ":".join(parts)
