"""What the driver app's pages (`portal/routers/app_*.py`) share: the logged-in driver, their door to
the database (the tenant's scope, selecting by the user: see `api.driver_flows`), paging, charger
availability as a driver reads it, and what to say when a charger cannot be reached."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends

from chargeplane.api.deps import Tenancy
from chargeplane.api.driver_flows import driver_tenancy_of
from chargeplane.api.pagination import decode_cursor
from chargeplane.api.problems import ApiError
from chargeplane.bus import ChargerBusy, ChargerCallFailed, ChargerNotConnected, ChargerTimeout
from chargeplane.domain.access.schemas import DriverChargePoint
from chargeplane.domain.errors import Invalid
from chargeplane.portal.pages import Page
from chargeplane.portal.security import driver_page

Driver = Annotated[Page, Depends(driver_page)]
PAGE_SIZE = 20

# Connector states in which someone is using (or has reserved) the connector.
BUSY = frozenset({"preparing", "charging", "suspendedev", "suspendedevse", "finishing", "reserved", "occupied"})


def tenancy(page: Page) -> Tenancy:
    return driver_tenancy_of(page.services, page.principal)


def user_id(page: Page) -> uuid.UUID:
    found = page.principal.user_id
    assert found is not None
    return found


def cursor(page: Page, raw: str | None) -> tuple[datetime, uuid.UUID] | None:
    """A `?cursor=` from a "more" link; a mangled one is the visitor's mistake (422), not ours."""
    try:
        return decode_cursor(raw)
    except ApiError:
        raise Invalid(page._("This link to the next page is broken; start from the first page.")) from None


@dataclass(frozen=True, slots=True)
class Availability:
    state: str  # available | occupied | faulted | unavailable | online (no connector reported) | offline
    free: int
    total: int


def availability(view: DriverChargePoint) -> Availability:
    statuses = [c.status.lower() for c in view.connectors]
    if not view.connected:
        return Availability("offline", 0, len(statuses))
    free = statuses.count("available")
    if free:
        state = "available"
    elif not statuses:
        state = "online"
    elif any(s in BUSY for s in statuses):
        state = "occupied"
    elif all(s == "faulted" for s in statuses):
        state = "faulted"
    else:
        state = "unavailable"
    return Availability(state, free, len(statuses))


def command_failure(page: Page, exc: ChargerCallFailed | ApiError) -> str:
    """Why a start or stop did not reach the charger, in the driver's words."""
    if isinstance(exc, ApiError):
        return page._("This charger cannot be started or stopped from the app.")
    if isinstance(exc, ChargerNotConnected):
        return page._("The charger is offline right now. Try again when it is back online.")
    if isinstance(exc, ChargerTimeout):
        return page._("The charger did not answer in time. Try again in a moment.")
    if isinstance(exc, ChargerBusy):
        return page._("The charger is busy with another request. Try again in a moment.")
    return page._("The charger could not carry out the request. Try again, or contact support.")


def duration(page: Page, seconds: float) -> str:
    """How long something has run, to the minute: "1 h 5 min", "12 min"."""
    minutes = max(0, int(seconds)) // 60
    hours, minutes = divmod(minutes, 60)
    if hours:
        return page._("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes)
    return page._("%(minutes)s min", minutes=minutes)
