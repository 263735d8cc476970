"""The driver app's charging: my running sessions with power, energy and cost updating live, stopping
one, the history of my sessions, and a session's page with its energy and power over time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from chargeplane.api import driver_flows, live
from chargeplane.api.pagination import next_cursor
from chargeplane.api.problems import ApiError
from chargeplane.bus import ChargerCallFailed
from chargeplane.db import UnitOfWork
from chargeplane.domain.access import driver
from chargeplane.domain.access.session_curve import CurvePoint, power_now, session_curve
from chargeplane.domain.errors import Conflict
from chargeplane.domain.pricing.cdr_schemas import DriverSessionWithCost
from chargeplane.portal import driver_app
from chargeplane.portal.charts import session_chart
from chargeplane.portal.driver_app import PAGE_SIZE, Driver, command_failure, duration, tenancy, user_id
from chargeplane.portal.pages import Page
from chargeplane.portal.smart_support import TargetView, target_of

router = APIRouter()


@dataclass(frozen=True, slots=True)
class SessionItem:
    """A session of mine as the app shows it: with its cost, where, for how long, and the power now."""

    session: DriverSessionWithCost
    charger: str
    elapsed: str
    power_w: int | None = None
    target: TargetView | None = None  # "Stop at", while it runs


def _item(page: Page, uow: UnitOfWork, session_id: uuid.UUID, names: dict[uuid.UUID, str],
          *, with_power: bool) -> SessionItem:
    me, now = user_id(page), page.services.clock.now()
    full = driver_flows.session_with_cost(uow, user_id=me, session_id=session_id, now=now)
    name = names.get(full.charge_point_id) if full.charge_point_id else None
    ran = ((full.stopped_at or now) - full.started_at).total_seconds() if full.started_at else 0
    power = power_now(uow, driver.my_session(uow, user_id=me, session_id=session_id)) if with_power else None
    target = target_of(page, uow, session_id) if full.state in ("active", "interrupted") else None
    return SessionItem(full, name or full.charge_point_identity, duration(page, ran), power, target)


def _names(uow: UnitOfWork, charge_point_ids: list[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    return driver.charger_names(uow, {cp for cp in charge_point_ids if cp is not None})


async def _running(page: Page) -> list[SessionItem]:
    def unit(uow: UnitOfWork) -> list[SessionItem]:
        rows = driver.my_running_sessions(uow, user_id=user_id(page))
        names = _names(uow, [r.charge_point_id for r in rows])
        return [_item(page, uow, r.id, names, with_power=True) for r in rows]

    return await tenancy(page).read(unit)


async def _history(page: Page, after: tuple[Any, uuid.UUID] | None) -> tuple[list[SessionItem], str | None]:
    def unit(uow: UnitOfWork) -> tuple[list[SessionItem], str | None]:
        rows = driver.my_sessions(uow, user_id=user_id(page), limit=PAGE_SIZE, after=after)
        names = _names(uow, [r.charge_point_id for r in rows])
        return [_item(page, uow, r.id, names, with_power=False) for r in rows], next_cursor(rows, PAGE_SIZE)

    return await tenancy(page).read(unit)


@router.get("/app/charging", response_class=HTMLResponse)
async def charging(page: Driver, cursor: str | None = None, started: str | None = None,
                   stopped: str | None = None) -> HTMLResponse:
    history, more = await _history(page, driver_app.cursor(page, cursor))
    message = page._("The charger accepted. Charging begins when your car is plugged in.") if started else \
        page._("Charging is stopping. The final price appears when the charger reports the end.") if stopped else None
    return page.render("driver/charging.html", tab="charging", running=await _running(page), history=history,
                       next_cursor=quote(more) if more else None, message=message)


@router.get("/app/live/charging")
async def charging_live(page: Driver, request: Request) -> StreamingResponse:
    async def render() -> str:
        return page.render_text("partials/app_running.html", running=await _running(page))

    return live.stream(request, page.brand.tenant_id, render)


# A session's page


async def _session(page: Page, session_id: uuid.UUID, *, with_curve: bool
                   ) -> tuple[SessionItem, list[CurvePoint]]:
    def unit(uow: UnitOfWork) -> tuple[SessionItem, list[CurvePoint]]:
        session = driver.my_session(uow, user_id=user_id(page), session_id=session_id)  # not mine: 404
        names = _names(uow, [session.charge_point_id])
        item = _item(page, uow, session_id, names, with_power=session.state == "active")
        return item, session_curve(uow, session) if with_curve else []

    return await tenancy(page).read(unit)


def _chart(page: Page, curve: list[CurvePoint]) -> dict[str, Any] | None:
    return session_chart(page, curve) if len(curve) >= 2 else None


async def _session_page(page: Page, session_id: uuid.UUID, *, status_code: int = 200,
                        error: str | None = None) -> HTMLResponse:
    item, curve = await _session(page, session_id, with_curve=True)
    return page.render("driver/session.html", status_code=status_code, tab="charging", item=item,
                       chart=_chart(page, curve), error=error)


@router.get("/app/sessions/{session_id}", response_class=HTMLResponse)
async def session_page(session_id: uuid.UUID, page: Driver) -> HTMLResponse:
    return await _session_page(page, session_id)


@router.get("/app/live/sessions/{session_id}")
async def session_live(session_id: uuid.UUID, page: Driver, request: Request) -> StreamingResponse:
    await _session(page, session_id, with_curve=False)  # not mine: 404 at once, not an empty stream

    async def render() -> str:
        item, _ = await _session(page, session_id, with_curve=False)
        return page.render_text("partials/app_session_figures.html", item=item)

    return live.stream(request, page.brand.tenant_id, render)


@router.post("/app/sessions/{session_id}/stop", response_class=HTMLResponse)
async def stop(session_id: uuid.UUID, page: Driver) -> Response:
    try:
        result = await driver_flows.stop_charging(tenancy(page), session_id=session_id)
    except Conflict:
        return await _session_page(page, session_id, status_code=409,
                                   error=page._("This session is not running any more."))
    except (ChargerCallFailed, ApiError) as exc:
        return await _session_page(page, session_id, status_code=409, error=command_failure(page, exc))
    if result.status != "Accepted":
        return await _session_page(page, session_id, status_code=409, error=page._(
            "The charger refused to stop. Try again, or stop at the charger."))
    return page.redirect("/app/charging?stopped=1")
