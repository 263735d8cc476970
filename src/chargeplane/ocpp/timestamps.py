"""OCPP date-times: parsed once at the edge into aware UTC datetimes, written back with a 'Z'."""

from __future__ import annotations

from datetime import UTC, datetime

from chargeplane.ocpp.errors import PROPERTY_CONSTRAINT_VIOLATION, CallErrorReply


def parse_time(value: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.upper())
    except ValueError:
        raise CallErrorReply(PROPERTY_CONSTRAINT_VIOLATION, f"{field} is not a valid date-time",
                             {"field": field}) from None
    if parsed.tzinfo is None:
        raise CallErrorReply(PROPERTY_CONSTRAINT_VIOLATION, f"{field} must carry a time zone", {"field": field})
    return parsed.astimezone(UTC)


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
