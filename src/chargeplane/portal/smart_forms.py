"""The smart charging forms: a site's limit with its schedule periods, a charger's part in load
balancing, a session's energy or charge target, and asking a charger for its schedule. Each goes from
the form's fields to the API's own body (the same schemas validate it) and comes back from what is
stored; errors land at the field they are about (`people_support.form_errors`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from chargeplane.domain.errors import DomainError, Invalid
from chargeplane.domain.smartcharging.schemas import (
    ChargerSettingsSet,
    ChargingTargetSet,
    SiteLimitRead,
    SiteLimitSet,
)
from chargeplane.portal.pages import Page
from chargeplane.portal.people_support import form_errors
from chargeplane.portal.problems import NUMBER
from chargeplane.portal.smart_support import plain

LIMIT_FIELDS = ("limit", "unit", "phases", "voltage", "enabled")
PERIOD_PARTS = ("days", "start", "end", "limit")
MAX_PERIODS = 48  # as SiteLimitSet allows
CHARGER_FIELDS = ("min_current_a", "max_current_a", "phases", "priority")
TARGET_FIELDS = ("energy_kwh", "soc_percent")
MAX_TARGET_KWH = Decimal(1000)  # ChargingTargetSet's 1,000,000 Wh
DURATIONS = (3600, 6 * 3600, 24 * 3600)  # how far ahead a charger's schedule is asked for, in seconds


def _number(text: str) -> str:
    """A decimal as typed, with a decimal comma taken for a point (et, lt, nb, sv write one)."""
    return text.strip().replace(",", ".")


def _whole(text: str) -> int | str:
    """A select's number as the schema's literal wants it; anything else goes on to be refused there."""
    return int(text) if text.strip().isdigit() else text


def _given(values: Mapping[str, str], names: Sequence[str]) -> dict[str, Any]:
    """The fields filled in: an empty one is left out (the schema's default, or "fill in this field")."""
    return {name: values[name] for name in names if values.get(name)}


# --- a site's limit and its schedule -----------------------------------------------------------------------


@dataclass(slots=True)
class PeriodRow:
    """One schedule period as the form shows it: ISO weekdays ("1" is Monday) and the texts typed."""

    days: list[str] = field(default_factory=lambda: [str(day) for day in range(1, 8)])
    start: str = ""
    end: str = ""
    limit: str = ""

    @property
    def blank(self) -> bool:
        return not (self.start or self.end or self.limit)


def limit_form(form: FormData, *, keep_blank: bool = False) -> tuple[dict[str, str], list[PeriodRow]]:
    """The limit's fields and the periods kept: those marked for removal are gone, and so are empty
    ones (unless `keep_blank`: a period just added, to fill in)."""
    values = {name: str(form.get(name) or "").strip() for name in LIMIT_FIELDS}
    count = str(form.get("periods") or "0")
    rows: list[PeriodRow] = []
    for i in range(min(int(count) if count.isdigit() else 0, MAX_PERIODS + 1)):
        if form.get(f"period-{i}-remove"):
            continue
        row = PeriodRow([str(day) for day in form.getlist(f"period-{i}-days")],
                        *(str(form.get(f"period-{i}-{part}") or "").strip() for part in PERIOD_PARTS[1:]))
        if keep_blank or not row.blank:
            rows.append(row)
    return values, rows


def limit_form_of(read: SiteLimitRead | None) -> tuple[dict[str, str], list[PeriodRow]]:
    if read is None:
        return {"limit": "", "unit": "A", "phases": "3", "voltage": "230", "enabled": "true"}, []
    values = {"limit": plain(read.limit), "unit": read.unit, "phases": str(read.phases),
              "voltage": str(read.voltage), "enabled": "true" if read.enabled else ""}
    return values, [PeriodRow([str(day) for day in p.days], p.start, p.end, plain(p.limit)) for p in read.schedule]


def limit_body(values: Mapping[str, str], rows: Sequence[PeriodRow]) -> SiteLimitSet:
    body = _given(values, ("unit", "voltage")) | {"phases": _whole(values.get("phases") or "3"),
                                                 "enabled": bool(values.get("enabled"))}
    if values.get("limit"):
        body["limit"] = _number(values["limit"])
    body["schedule"] = [_given({"start": row.start, "end": row.end, "limit": _number(row.limit)}, PERIOD_PARTS)
                        | {"days": [_whole(day) for day in row.days]} for row in rows]
    return SiteLimitSet.model_validate(body)


def limit_errors(page: Page, exc: DomainError | ValidationError, rows: Sequence[PeriodRow]) -> dict[str, str]:
    """Each error at its field; a period's at its own fields (one whose start is its end: at the end)."""
    names: set[str] = set(LIMIT_FIELDS)
    rename: dict[str, str] = {}
    for i, row in enumerate(rows):
        for part in PERIOD_PARTS:
            rename[f"schedule.{i}.{part}"] = f"period-{i}-{part}"
        rename[f"schedule.{i}"] = f"period-{i}-end"
        rename |= {f"schedule.{i}.days.{j}": f"period-{i}-days" for j in range(len(row.days))}
    names |= set(rename.values())
    errors = form_errors(page, exc, names, rename)
    for i, row in enumerate(rows):
        if f"period-{i}-days" in errors and not row.days:
            errors[f"period-{i}-days"] = page._("Choose at least one day.")
    return errors


# --- a charger's part in load balancing --------------------------------------------------------------------


def charger_body(values: Mapping[str, str]) -> ChargerSettingsSet:
    """What is filled in changes; an empty field keeps what the charger has."""
    body = _given({name: _number(values.get(name) or "") for name in CHARGER_FIELDS}, CHARGER_FIELDS)
    if "phases" in body:
        body["phases"] = _whole(body["phases"])
    return ChargerSettingsSet.model_validate(body)


# --- a session's target ------------------------------------------------------------------------------------


def target_body(page: Page, values: Mapping[str, str]) -> ChargingTargetSet:
    """Energy is typed in kWh and kept in Wh; Invalid (at its field) for what is not a number."""
    energy, soc = _number(values.get("energy_kwh") or ""), (values.get("soc_percent") or "").strip()
    if not energy and not soc:
        raise Invalid(page._("Enter an amount of energy, a battery level, or both."))
    body: dict[str, Any] = {"soc_percent": soc} if soc else {}
    if energy:
        try:
            kwh = Decimal(energy)
        except InvalidOperation:
            kwh = Decimal("NaN")
        if not kwh.is_finite():
            raise Invalid(page._(NUMBER), field="energy_kwh")
        if kwh > MAX_TARGET_KWH:
            raise Invalid(page._("Enter %(le)s or less.", le=page.fmt.number(MAX_TARGET_KWH)), field="energy_kwh")
        body["energy_wh"] = int((kwh * 1000).to_integral_value(rounding=ROUND_HALF_UP))
    return ChargingTargetSet.model_validate(body)


def target_errors(page: Page, exc: DomainError | ValidationError) -> dict[str, str]:
    return form_errors(page, exc, TARGET_FIELDS, {"energy_wh": "energy_kwh"})


# --- asking a charger for its schedule ---------------------------------------------------------------------


def schedule_payload(page: Page, form: Mapping[str, Any]) -> dict[str, Any]:
    """GetCompositeSchedule's payload from the form, as the API's query builds it."""
    connector = str(form.get("connector_id") or "0").strip()
    if not connector.isdigit():
        raise Invalid(page._("Enter 0 or a connector's number."), field="connector_id")
    duration = str(form.get("duration") or "")
    payload: dict[str, Any] = {"connectorId": int(connector),
                               "duration": int(duration) if duration in map(str, DURATIONS) else DURATIONS[0]}
    unit = str(form.get("unit") or "")
    if unit in ("A", "W"):
        payload["chargingRateUnit"] = unit
    return payload
