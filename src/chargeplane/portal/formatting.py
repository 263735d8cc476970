"""Dates, numbers, money and energy in the viewer's locale and time zone (Babel's CLDR data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import dates, numbers

# Babel's locale for each portal language (Norwegian Bokmål formats as nb_NO).
_BABEL_LOCALE = {"en": "en_GB", "et": "et_EE", "lt": "lt_LT", "nb": "nb_NO", "sv": "sv_SE"}


# Shown for a value that is not there (an en dash, as typography wants).
NOTHING = "\u2013"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class Formatter:
    """`fmt` in templates: `{{ fmt.datetime(session.started_at) }}`, `{{ fmt.money(cost, "EUR") }}`."""

    language: str
    time_zone: str

    @property
    def locale(self) -> str:
        return _BABEL_LOCALE.get(self.language, "en_GB")

    def local(self, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:  # the database hands back UTC without a zone on SQLite
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(_zone(self.time_zone))

    def datetime(self, value: dt.datetime | None, format: str = "medium") -> str:
        if value is None:
            return NOTHING
        return dates.format_datetime(self.local(value), format=format, locale=self.locale)

    def date(self, value: dt.date | dt.datetime | None, format: str = "medium") -> str:
        if value is None:
            return NOTHING
        if isinstance(value, dt.datetime):
            value = self.local(value).date()
        return dates.format_date(value, format=format, locale=self.locale)

    def time(self, value: dt.datetime | None) -> str:
        if value is None:
            return NOTHING
        return dates.format_time(self.local(value), format="short", locale=self.locale)

    def number(self, value: int | float | Decimal | None, digits: int = 0) -> str:
        if value is None:
            return NOTHING
        return numbers.format_decimal(value, format=f"#,##0.{'0' * digits}" if digits else "#,##0",
                                      locale=self.locale)

    def money(self, amount: Decimal | int | float | str | None, currency: str) -> str:
        if amount is None:
            return NOTHING
        return numbers.format_currency(Decimal(str(amount)), currency, locale=self.locale)

    def kwh(self, wh: int | None) -> str:
        """Energy from integer Wh, shown in kWh with three decimals."""
        if wh is None:
            return NOTHING
        return f"{self.number(Decimal(wh) / 1000, 3)} kWh"

    def kw(self, watts: float | int | None) -> str:
        if watts is None:
            return NOTHING
        return f"{self.number(Decimal(str(watts)) / 1000, 1)} kW"

    def iso(self, value: dt.datetime | None) -> str:
        """For `<time datetime=...>` and for inputs: the local time, machine-readable."""
        return self.local(value).isoformat(timespec="seconds") if value else ""
