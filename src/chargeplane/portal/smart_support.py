"""What the smart charging parts of the portal and the app share: the words for the planner's states
(marked here, translated when shown), and reading what a site's, a charger's and a session's page
show of load balancing, through the same domain calls as `api.routers.smart_charging`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from babel import dates, numbers
from babel.lists import format_list

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.service import get_site
from chargeplane.domain.errors import NotFound
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.smartcharging import settings
from chargeplane.domain.smartcharging.load import site_load
from chargeplane.domain.smartcharging.models import ChargingAllocation
from chargeplane.domain.smartcharging.planning import site_of_charger
from chargeplane.domain.smartcharging.schemas import (
    AllocationRead,
    ChargerSettingsRead,
    ChargingTargetRead,
    SiteLimitRead,
    SiteLoadRead,
)
from chargeplane.portal.pages import N_, NC_, Page

WORDS: dict[str, dict[str, str]] = {
    # Whether a charger follows the profiles it is sent (ChargerChargingSettings.control).
    "control": {"unknown": N_("Nothing sent yet"), "accepted": N_("Follows the profiles"),
                "rejected": N_("Refuses profiles: counted at its maximum"),
                "unreachable": N_("Did not answer: counted at its maximum")},
    # Why a session got its share (allocation.SHARE, ...).
    "reason": {"share": N_("Its share of the limit"), "minimum": N_("The charger's minimum"),
               "paused": N_("Paused: the limit has no room for its minimum"), "target": N_("Target reached"),
               "demand": N_("What the car draws")},
    # What the charger did with the session's profile (ChargingAllocation.state).
    "answer": {"pending": N_("Being sent"), "accepted": NC_("charger's answer to a command", "Accepted"),
               "rejected": N_("Refused"), "failed": N_("Not delivered")},
    "unit": {"A": N_("A per phase")},  # kW stays kW
}


def plain(value: Decimal | int | None) -> str:
    """A number as a form's field holds it: "6", "20.5" (whatever the database's scale)."""
    return "" if value is None else format(Decimal(value).normalize(), "f")


@dataclass(frozen=True, slots=True)
class Texts:
    """`text` in the smart charging templates: the planner's words, currents, percentages and weekdays
    in the viewer's language."""

    page: Page

    def word(self, table: str, value: Any) -> str:
        """`text.word("control", settings.control)`; a value without a word shows as it is."""
        found = WORDS[table].get(str(value))
        return self.page._(found) if found else str(value if value is not None else "")

    def amperes(self, value: Decimal | int | None) -> str:
        """A current with one decimal, as the planner counts (0.1 A steps)."""
        return f"{self.page.fmt.number(value, 1)} A" if value is not None else self.page.fmt.number(None)

    def plain(self, value: Decimal | int | None) -> str:
        """A number for a form's field: no grouping, a decimal point, no trailing zeros ("6", "20.5")."""
        return plain(value)

    def percent(self, value: int | None) -> str | None:
        """A state of charge as the viewer's language writes a percentage ("80%", "80 %")."""
        return None if value is None else numbers.format_percent(Decimal(value) / 100, locale=self.page.fmt.locale)

    def weekdays(self) -> list[tuple[str, str]]:
        """(ISO weekday, its name), Monday ("1") first."""
        names = dates.get_day_names("wide", locale=self.page.fmt.locale)
        return [(str(day + 1), str(names[day])) for day in range(7)]

    def days(self, days: list[int]) -> str:
        """A schedule period's days: "every day", or their names as a list."""
        if sorted(days) == list(range(1, 8)):
            return self.page._("Every day")
        names = dict(self.weekdays())
        return format_list([names[str(day)] for day in sorted(days)], locale=self.page.fmt.locale)


# --- a site ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SitePart:
    """The site page's "Load balancing": the settings, and the load now (the live fragment's HTML)."""

    text: Texts
    site_id: uuid.UUID
    limit: SiteLimitRead | None
    load: str


async def site_load_html(page: Page, site_id: uuid.UUID) -> str:
    """The load now (the live fragment): the limit in force, each charger counted, each session's share."""
    t = await page.tenancy(Resource.SITE, Action.READ)
    now, connected = page.services.clock.now(), page.services.bus.gateway.is_connected

    def unit(uow: UnitOfWork) -> tuple[SiteLimitRead | None, SiteLoadRead | None]:
        get_site(uow, site_id)  # the gate's answer: this viewer's site, or NotFound
        limit = settings.get_site_limit(uow, site_id=site_id)
        return limit, site_load(uow, site_id=site_id, now=now, connected=connected) if limit is not None else None

    limit, load = await t.read(unit)
    identities = {c.charge_point_id: c.identity for c in load.chargers} if load is not None else {}
    return page.render_text("partials/smart_site_load.html", limit=limit, load=load, identities=identities,
                            text=Texts(page))


async def site_load_or_gone(page: Page, site_id: uuid.UUID) -> str:
    """For a live stream: the load, or a note once the site is deleted."""
    try:
        return await site_load_html(page, site_id)
    except NotFound:
        return page.render_text("partials/flash.html", message=page._("This site was deleted."), error=True)


async def site_part(page: Page, site_id: uuid.UUID) -> SitePart:
    t = await page.tenancy(Resource.SITE, Action.READ)
    limit = await t.read(lambda uow: settings.get_site_limit(uow, site_id=site_id))
    return SitePart(Texts(page), site_id, limit, await site_load_html(page, site_id))


# --- a charger ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChargerPart:
    """The charger page's "Load balancing": its settings, whether it follows the profiles, its site's state."""

    text: Texts
    settings: ChargerSettingsRead
    site_id: uuid.UUID | None
    balanced: bool  # its site's load balancing is on


async def charger_part(page: Page, charge_point_id: uuid.UUID) -> ChargerPart:
    t = await page.tenancy(Resource.CHARGE_POINT, Action.READ)

    def unit(uow: UnitOfWork) -> ChargerPart:
        found = settings.get_charger_settings(uow, charge_point_id=charge_point_id)
        site_id = site_of_charger(uow, charge_point_id=charge_point_id)
        try:
            limit = settings.get_site_limit(uow, site_id=site_id) if site_id is not None else None
        except NotFound:  # a site outside the viewer's accounts
            limit = None
        return ChargerPart(Texts(page), found, site_id, limit is not None and limit.enabled)

    return await t.read(unit)


# --- a session ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetView:
    """A session's energy or charge target as people read it, and as its form's fields hold it."""

    read: ChargingTargetRead
    energy: str | None  # "20.000 kWh"
    percent: str | None  # "80%"
    last_percent: str | None  # the car's state of charge, as last reported
    energy_kwh: str  # "20", for the form
    soc_percent: str


def target_view(page: Page, read: ChargingTargetRead | None) -> TargetView | None:
    if read is None:
        return None
    text = Texts(page)
    energy, soc = read.energy_wh, read.soc_percent
    return TargetView(read, page.fmt.kwh(energy) if energy is not None else None, text.percent(soc),
                      text.percent(read.last_soc_percent),
                      "" if energy is None else plain(Decimal(energy) / 1000),
                      "" if soc is None else str(soc))


def target_of(page: Page, uow: UnitOfWork, session_id: uuid.UUID) -> TargetView | None:
    """A session's target, within a unit of work the caller holds (NotFound for a session not in reach)."""
    return target_view(page, settings.get_target(uow, session_id=session_id))


@dataclass(frozen=True, slots=True)
class SessionPart:
    """The operator's session page: its target, and its share where load balancing runs."""

    text: Texts
    target: TargetView | None
    share: AllocationRead | None


def _share(uow: UnitOfWork, session_id: uuid.UUID) -> AllocationRead | None:
    row = uow.session.get(ChargingAllocation, session_id)  # gated as its session
    return AllocationRead.model_validate(row, from_attributes=True) if row is not None else None


async def session_part(page: Page, session_id: uuid.UUID) -> SessionPart:
    t = await page.tenancy(Resource.SESSION, Action.READ)
    return await t.read(lambda uow: SessionPart(Texts(page), target_of(page, uow, session_id),
                                                _share(uow, session_id)))


# --- what a charger will draw (GetCompositeSchedule) -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SchedulePeriod:
    """One period of a charger's composite schedule: from when, how much, on how many phases."""

    starts: datetime | None
    limit: str
    phases: int | None


def schedule_periods(page: Page, answer: Mapping[str, Any]) -> list[SchedulePeriod]:
    """The periods of a GetCompositeSchedule answer, each with its start in the viewer's time."""
    schedule = answer.get("chargingSchedule") or {}
    start = _moment(answer.get("scheduleStart") or schedule.get("startSchedule"))
    watts = schedule.get("chargingRateUnit") == "W"
    periods = []
    for period in schedule.get("chargingSchedulePeriod") or []:
        offset = period.get("startPeriod")
        limit = Decimal(str(period.get("limit", 0)))
        periods.append(SchedulePeriod(
            start + timedelta(seconds=offset) if start is not None and isinstance(offset, int) else None,
            page.fmt.kw(float(limit)) if watts else Texts(page).amperes(limit), period.get("numberPhases")))
    return periods


def _moment(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")) if text else None
    except ValueError:
        return None
