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
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59:59-14:00 is in the year 10000 in UTC
        raise CallErrorReply(PROPERTY_CONSTRAINT_VIOLATION, f"{field} is out of range", {"field": field}) from None


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
