"""Load balancing in the operator portal: a site's grid limit and the hours it is lower (a form with
schedule periods to add and remove), the site's load now as a live stream, a charger's part in it
(minimum and maximum current, phases, priority) and what the charger says it will draw
(GetCompositeSchedule). The same domain calls as `api.routers.smart_charging`; the site's and the
charger's own pages show these parts (`portal.smart_support`), the forms here say what was wrong."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from chargeplane.api import charge_point_flows as flows
from chargeplane.api import live
from chargeplane.api.problems import ApiError
from chargeplane.bus import ChargerCallFailed, ChargerTimeout
from chargeplane.domain.assets import service
from chargeplane.domain.assets.schemas import SiteRead
from chargeplane.domain.errors import DomainError, Invalid
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.smartcharging import settings
from chargeplane.domain.smartcharging.schemas import SiteLimitRead
from chargeplane.portal.fleet_support import answered, failed
from chargeplane.portal.org_support import form_values
from chargeplane.portal.pages import Page
from chargeplane.portal.people_support import form_errors, status_of
from chargeplane.portal.security import operator_page
from chargeplane.portal.smart_forms import (
    CHARGER_FIELDS,
    PeriodRow,
    charger_body,
    limit_body,
    limit_errors,
    limit_form,
    limit_form_of,
    schedule_payload,
)
from chargeplane.portal.smart_support import (
    SchedulePeriod,
    Texts,
    charger_part,
    schedule_periods,
    site_load_html,
    site_load_or_gone,
)

router = APIRouter()

Operator = Annotated[Page, Depends(operator_page)]


# --- a site's limit ----------------------------------------------------------------------------------------


async def _site_and_limit(page: Page, site_id: uuid.UUID) -> tuple[SiteRead, SiteLimitRead | None]:
    t = await page.tenancy(Resource.SITE, Action.UPDATE)
    return await t.read(lambda uow: (SiteRead.model_validate(service.get_site(uow, site_id)),
                                     settings.get_site_limit(uow, site_id=site_id)))


def _limit_page(page: Page, site: SiteRead, limit: SiteLimitRead | None, *, form: dict[str, str],
                rows: list[PeriodRow], errors: dict[str, str], status_code: int = 200) -> Response:
    return page.render("operator/smart_site_limit.html", status_code=status_code, section="sites", site=site,
                       limit=limit, form=form, rows=rows, errors=errors, text=Texts(page))


@router.get("/portal/sites/{site_id}/load-balancing", response_class=HTMLResponse)
async def limit_page(page: Operator, site_id: uuid.UUID) -> Response:
    site, limit = await _site_and_limit(page, site_id)
    form, rows = limit_form_of(limit)
    return _limit_page(page, site, limit, form=form, rows=rows, errors={})


@router.post("/portal/sites/{site_id}/load-balancing", response_class=HTMLResponse)
async def save_limit(page: Operator, request: Request, site_id: uuid.UUID) -> Response:
    """Saves the limit (`do=save`, the form's first button), or shows the form again with one more
    period to fill in (`do=add`): adding a row works without JavaScript, and with the keyboard alone."""
    site, limit = await _site_and_limit(page, site_id)
    posted = await request.form()
    if posted.get("do") == "add":
        form, rows = limit_form(posted, keep_blank=True)
        return _limit_page(page, site, limit, form=form, rows=[*rows, PeriodRow()], errors={})
    form, rows = limit_form(posted)
    t = await page.tenancy(Resource.SITE, Action.UPDATE)
    now = page.services.clock.now()
    try:
        body = limit_body(form, rows)
        await t.write(lambda uow: settings.set_site_limit(uow, site_id=site_id, body=body, actor=t.principal,
                                                          now=now))
    except (DomainError, ValidationError) as exc:
        return _limit_page(page, site, limit, form=form, rows=rows, errors=limit_errors(page, exc, rows),
                           status_code=status_of(exc))
    return page.redirect(f"/portal/sites/{site_id}#load-balancing")


@router.post("/portal/sites/{site_id}/load-balancing/remove")
async def remove_limit(page: Operator, site_id: uuid.UUID) -> Response:
    """No limit any more: the chargers' profiles are cleared and they draw what they can."""
    t = await page.tenancy(Resource.SITE, Action.UPDATE)
    now = page.services.clock.now()
    await t.write(lambda uow: settings.remove_site_limit(uow, site_id=site_id, actor=t.principal, now=now))
    return page.redirect(f"/portal/sites/{site_id}#load-balancing")


@router.get("/portal/live/sites/{site_id}/load")
async def site_load_live(page: Operator, request: Request, site_id: uuid.UUID) -> Response:
    """The load now, again whenever a session or a charger changes (the plan follows those) and at
    least every live interval (the chargers' answers to the plan and the measured currents)."""
    await site_load_html(page, site_id)  # another tenant's site, or none: 404 before streaming
    return live.stream(request, page.brand.tenant_id, lambda: site_load_or_gone(page, site_id))


# --- a charger's part --------------------------------------------------------------------------------------


async def _charger_page(page: Page, cp_id: uuid.UUID, *, form: dict[str, str] | None = None,
                        errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    cp = await flows.get_charge_point(await page.tenancy(Resource.CHARGE_POINT, Action.READ), cp_id)
    part = await charger_part(page, cp_id)
    return page.render("operator/smart_charger.html", status_code=status_code, section="charge-points", cp=cp,
                       smart=part, smart_form=form or {}, smart_errors=errors or {})


@router.get("/portal/charge-points/{cp_id}/load-balancing", response_class=HTMLResponse)
async def charger_page(page: Operator, cp_id: uuid.UUID) -> Response:
    await page.tenancy(Resource.CHARGE_POINT, Action.READ)
    return await _charger_page(page, cp_id)


@router.post("/portal/charge-points/{cp_id}/load-balancing", response_class=HTMLResponse)
async def save_charger(page: Operator, request: Request, cp_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.CHARGE_POINT, Action.UPDATE)
    form, now = await form_values(request, CHARGER_FIELDS), page.services.clock.now()
    try:
        body = charger_body(form)
        await t.write(lambda uow: settings.set_charger_settings(uow, charge_point_id=cp_id, body=body,
                                                                actor=t.principal, now=now))
    except (DomainError, ValidationError) as exc:
        if not isinstance(exc, ValidationError) and status_of(exc) == 404:
            raise
        return await _charger_page(page, cp_id, form=form, errors=form_errors(page, exc, CHARGER_FIELDS),
                                   status_code=status_of(exc))
    return page.redirect(f"/portal/charge-points/{cp_id}#load-balancing")


@router.post("/portal/charge-points/{cp_id}/charging-schedule", response_class=HTMLResponse)
async def charging_schedule(page: Operator, request: Request, cp_id: uuid.UUID) -> Response:
    """Asks the charger what it will draw (GetCompositeSchedule, as the API's GET does): its answer in
    place (htmx), or on a page of its own (a plain form)."""
    t = await page.tenancy(Resource.CHARGE_POINT, Action.READ)
    cp = await flows.get_charge_point(t, cp_id)  # not this viewer's: 404 before anything is sent
    periods: list[SchedulePeriod] = []
    status = 200
    try:
        payload = schedule_payload(page, await request.form())
        answer: dict[str, Any] = await page.services.bus.gateway.call(cp_id, "GetCompositeSchedule", payload)
    except Invalid as exc:
        result, status = failed(page, "get-composite-schedule", exc), 422
    except (ChargerCallFailed, ApiError) as exc:
        result, status = failed(page, "get-composite-schedule", exc), 504 if isinstance(exc, ChargerTimeout) else 409
    else:
        result, periods = answered(page, "get-composite-schedule", answer), schedule_periods(page, answer)
    context: dict[str, Any] = {"result": result, "periods": periods}
    if page.is_htmx:  # htmx swaps only successful answers: the charger's failure is this answer's content
        return HTMLResponse(page.render_text("partials/smart_schedule.html", **context))
    return page.render("operator/smart_schedule.html", status_code=status, section="charge-points", cp=cp, **context)
