"""Days, weeks and months in the tenant's time zone, as SQL that both databases run.

PostgreSQL converts with `timezone(zone, t)`, which knows every daylight-saving change. SQLite has no
time zones: the range is cut where the zone's UTC offset changes (twice a year at most) and each piece
shifts its timestamps by its own offset, so a session at 23:30 local lands on its local day on both."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Date, case, cast, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement

from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import Invalid
from chargeplane.domain.tenancy.models import Tenant

MAX_DAYS = 3700  # ten years: a range is walked day by day once, to find the offset changes
_ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-/]+$")
_STEP = timedelta(minutes=15)  # every zone changes its offset on a quarter hour


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"  # starting on Monday
    MONTH = "month"
    TOTAL = "total"  # the whole range in one row


@dataclass(frozen=True, slots=True)
class DayRange:
    """Local days `first` to `last`, both included, in `zone`."""

    first: date
    last: date
    zone: str

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise Invalid("the range ends before it starts", field="date_to")
        if (self.last - self.first).days >= MAX_DAYS:
            raise Invalid("a report covers at most %(days)s days", field="date_to", days=MAX_DAYS)
        zone_info(self.zone)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), ZoneInfo(self.zone)).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """Exclusive: the start of the day after `last`."""
        return datetime.combine(self.last + timedelta(days=1), time(), ZoneInfo(self.zone)).astimezone(UTC)

    def offsets(self) -> list[tuple[datetime, int]]:
        """(from, UTC offset in seconds) for each piece of the range with one offset, in order."""
        zone = ZoneInfo(self.zone)
        pieces = [(self.start, _offset(self.start, zone))]
        day = self.start
        while day < self.end:
            following = min(day + timedelta(days=1), self.end)
            if _offset(following, zone) != pieces[-1][1]:
                moment = day
                while _offset(moment, zone) == pieces[-1][1]:
                    moment += _STEP
                pieces.append((moment, _offset(moment, zone)))
            day = following
        return pieces


def zone_info(name: str) -> ZoneInfo:
    """The zone of an IANA name, or Invalid (names are also written into SQL: only their characters pass)."""
    if not _ZONE_NAME.match(name):
        raise Invalid("unknown time zone", field="time_zone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid("unknown time zone", field="time_zone") from None


def _offset(moment: datetime, zone: ZoneInfo) -> int:
    delta = moment.astimezone(zone).utcoffset()
    return int(delta.total_seconds()) if delta else 0


def period_start(column: Any, days: DayRange, period: Period, dialect: str) -> ColumnElement[Any]:
    """The local day (the first of the week or month) each timestamp of `column` falls in."""
    if period is Period.TOTAL:
        return literal_column(f"'{days.first.isoformat()}'")
    if dialect == "postgresql":
        local = func.timezone(literal_column(f"'{days.zone}'"), column)
        if period is Period.DAY:
            return cast(local, Date)
        return cast(func.date_trunc(literal_column(f"'{period.value}'"), local), Date)
    # The modifiers are written into the SQL (they come from numbers and this module's words): the
    # same expression then reads the same in SELECT and GROUP BY.
    pieces = days.offsets()
    shifted = [func.date(column, literal_column(f"'{seconds:+d} seconds'")) for _, seconds in pieces]
    day: ColumnElement[Any] = shifted[0] if len(pieces) == 1 else case(
        *((column < start, shifted[i - 1]) for i, (start, _) in enumerate(pieces) if i > 0), else_=shifted[-1])
    if period is Period.WEEK:
        return func.date(day, literal_column("'weekday 0'"), literal_column("'-6 days'"))
    if period is Period.MONTH:
        return func.date(day, literal_column("'start of month'"))
    return day


def as_date(value: Any) -> date:
    """A period's first day as either database returns it (a date, or ISO text from SQLite)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def tenant_zone(uow: UnitOfWork) -> str:
    """The scope's tenant's time zone: reports count days in it unless asked for another."""
    zone = uow.session.scalar(select(Tenant.time_zone))
    return zone or "UTC"
