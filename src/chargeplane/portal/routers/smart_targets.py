"""A running session's energy or charge target: set or removed by an operator on the session's page
(`/portal/sessions/{id}`), or by the driver as "Stop at" in the app (`/app/sessions/{id}`). Reached,
the session is held at 0 A (or stopped where the charger refuses profiles). The same domain calls as
the API's `.../charging-target` routes; these pages show the form again when something is wrong."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from chargeplane.db import UnitOfWork
from chargeplane.domain.access import driver
from chargeplane.domain.access.schemas import DriverSession
from chargeplane.domain.errors import Conflict, Invalid
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.pricing.session_views import session_reads
from chargeplane.domain.sessions import queries
from chargeplane.domain.smartcharging import settings
from chargeplane.portal.driver_app import Driver, tenancy, user_id
from chargeplane.portal.org_support import form_values
from chargeplane.portal.pages import Page
from chargeplane.portal.people_support import status_of
from chargeplane.portal.security import operator_page
from chargeplane.portal.smart_forms import TARGET_FIELDS, target_body, target_errors
from chargeplane.portal.smart_support import TargetView, session_part, target_of

router = APIRouter()

Operator = Annotated[Page, Depends(operator_page)]
# What a wrong form gets: shown again with its errors. Anything else (not found) is an error page.
FORM_PROBLEMS = (Invalid, Conflict, ValidationError)


# --- an operator, on the session's page --------------------------------------------------------------------


async def _operator_form(page: Page, session_id: uuid.UUID, *, form: dict[str, str] | None = None,
                         errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    t = await page.tenancy(Resource.CHARGE_POINT, Action.COMMAND)
    session = await t.read(lambda uow: session_reads(uow, [queries.get_session(uow, session_id)])[0])
    return page.render("operator/smart_target.html", status_code=status_code, section="sessions", s=session,
                       smart=await session_part(page, session_id), form=form, errors=errors or {})


@router.get("/portal/sessions/{session_id}/target", response_class=HTMLResponse)
async def operator_target_page(page: Operator, session_id: uuid.UUID) -> Response:
    return await _operator_form(page, session_id)


@router.post("/portal/sessions/{session_id}/target", response_class=HTMLResponse)
async def operator_set_target(page: Operator, request: Request, session_id: uuid.UUID) -> Response:
    """As the API's PUT: whoever may command the session's charger (the target is kept with a profile)."""
    t = await page.tenancy(Resource.CHARGE_POINT, Action.COMMAND)
    form, now = await form_values(request, TARGET_FIELDS), page.services.clock.now()
    try:
        body = target_body(page, form)
        await t.write(lambda uow: settings.set_target(uow, session_id=session_id, body=body, actor=t.principal,
                                                      now=now))
    except FORM_PROBLEMS as exc:
        return await _operator_form(page, session_id, form=form, errors=target_errors(page, exc),
                                    status_code=status_of(exc))
    return page.redirect(f"/portal/sessions/{session_id}#target")


@router.post("/portal/sessions/{session_id}/target/remove")
async def operator_remove_target(page: Operator, session_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.CHARGE_POINT, Action.COMMAND)
    now = page.services.clock.now()
    await t.write(lambda uow: settings.remove_target(uow, session_id=session_id, actor=t.principal, now=now))
    return page.redirect(f"/portal/sessions/{session_id}#target")


# --- a driver, "Stop at" in the app ------------------------------------------------------------------------


async def _driver_form(page: Page, session_id: uuid.UUID, *, form: dict[str, str] | None = None,
                       errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    def unit(uow: UnitOfWork) -> tuple[DriverSession, str, TargetView | None]:
        session = driver.my_session_view(uow, user_id=user_id(page), session_id=session_id)  # not mine: 404
        names = driver.charger_names(uow, {session.charge_point_id} if session.charge_point_id else set())
        name = names.get(session.charge_point_id) if session.charge_point_id else None
        return session, name or session.charge_point_identity, target_of(page, uow, session_id)

    session, charger, target = await tenancy(page).read(unit)
    return page.render("driver/smart_stop_at.html", status_code=status_code, tab="charging", s=session,
                       charger=charger, target=target, form=form, errors=errors or {})


@router.get("/app/sessions/{session_id}/stop-at", response_class=HTMLResponse)
async def driver_target_page(session_id: uuid.UUID, page: Driver) -> Response:
    return await _driver_form(page, session_id)


@router.post("/app/sessions/{session_id}/stop-at", response_class=HTMLResponse)
async def driver_set_target(session_id: uuid.UUID, page: Driver, request: Request) -> Response:
    """As the API's PUT /me/sessions/{id}/charging-target: only on a session of my own cards."""
    form, now, me = await form_values(request, TARGET_FIELDS), page.services.clock.now(), user_id(page)

    def unit(uow: UnitOfWork) -> None:
        driver.my_session(uow, user_id=me, session_id=session_id)
        settings.set_target(uow, session_id=session_id, body=body, actor=page.principal, now=now)

    try:
        body = target_body(page, form)
        await tenancy(page).write(unit)
    except FORM_PROBLEMS as exc:
        return await _driver_form(page, session_id, form=form, errors=target_errors(page, exc),
                                  status_code=status_of(exc))
    return page.redirect(f"/app/sessions/{session_id}")


@router.post("/app/sessions/{session_id}/stop-at/remove")
async def driver_remove_target(session_id: uuid.UUID, page: Driver) -> Response:
    now, me = page.services.clock.now(), user_id(page)

    def unit(uow: UnitOfWork) -> None:
        driver.my_session(uow, user_id=me, session_id=session_id)
        settings.remove_target(uow, session_id=session_id, actor=page.principal, now=now)

    await tenancy(page).write(unit)
    return page.redirect(f"/app/sessions/{session_id}")
