"""Alarms in the portal (`/portal/alarms`): the active ones first, filters, an alarm's history,
acknowledging and resolving with a comment, and the tenant's rules. The same domain functions as
the API's alarm routes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from chargeplane.api.pagination import next_cursor
from chargeplane.db import UnitOfWork
from chargeplane.domain.access import labels
from chargeplane.domain.alarms import service
from chargeplane.domain.alarms.causes import CAUSES, LEVELS
from chargeplane.domain.alarms.schemas import AlarmChangeRead, AlarmRead, AlarmRuleUpdate
from chargeplane.domain.errors import DomainError
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.portal.pages import Page
from chargeplane.portal.people_support import Labels, blank, choice, form_errors, next_page, safe_cursor
from chargeplane.portal.problems import say
from chargeplane.portal.security import operator_page

router = APIRouter()

Operator = Annotated[Page, Depends(operator_page)]
PAGE_SIZE = 50
STATUSES = ("active", "open", "acknowledged", "resolved")


def _identities(uow: UnitOfWork, alarms: list[AlarmRead]) -> dict[uuid.UUID, str]:
    return labels.charger_identities(uow, (a.charge_point_id for a in alarms))


@router.get("/portal/alarms", response_class=HTMLResponse)
async def alarms(page: Operator, request: Request, status: str = "active", level: str = "", cause: str = "",
                 cursor: str = "") -> Response:
    t = await page.tenancy(Resource.CHARGE_POINT, Action.READ)
    wanted_status = choice(status, STATUSES)
    wanted_level, wanted_cause, after = choice(level, LEVELS), choice(cause, CAUSES), safe_cursor(cursor)

    def read(uow: UnitOfWork) -> tuple[list[AlarmRead], dict[uuid.UUID, str]]:
        rows = [AlarmRead.model_validate(a) for a in service.list_alarms(
            uow, status=wanted_status, level=wanted_level, cause=wanted_cause, charge_point_id=None,
            limit=PAGE_SIZE, after=after)]
        return rows, _identities(uow, rows)

    rows, identities = await t.read(read)
    return page.render("operator/alarms.html", section="alarms", rows=rows, identities=identities,
                       labels=Labels(page), status=wanted_status or "", level=wanted_level or "",
                       cause=wanted_cause or "", statuses=STATUSES,
                       next_url=next_page(request, next_cursor(rows, PAGE_SIZE)))


async def _show(page: Page, alarm_id: uuid.UUID, *, errors: dict[str, str] | None = None,
                status_code: int = 200) -> Response:
    t = await page.tenancy(Resource.CHARGE_POINT, Action.READ)

    def read(uow: UnitOfWork) -> tuple[AlarmRead, list[AlarmChangeRead], dict[uuid.UUID, str]]:
        alarm = AlarmRead.model_validate(service.get_alarm(uow, alarm_id))
        changes = [AlarmChangeRead.model_validate(c) for c in service.history(uow, alarm_id)]
        return alarm, changes, _identities(uow, [alarm])

    alarm, changes, identities = await t.read(read)
    return page.render("operator/alarm.html", status_code=status_code, section="alarms", alarm=alarm,
                       changes=changes, identities=identities, labels=Labels(page), errors=errors or {},
                       may_process=page.principal.can(Resource.CHARGE_POINT, Action.UPDATE))


@router.get("/portal/alarms/rules", response_class=HTMLResponse)
async def rules(page: Operator) -> Response:
    t = await page.tenancy(Resource.TENANT, Action.READ)
    found = await t.read(lambda uow: [(cause, service.rule_for(uow, cause)) for cause in CAUSES])
    return page.render("operator/alarm_rules.html", section="alarms", rules=found, labels=Labels(page),
                       levels=LEVELS, may_change=page.principal.can(Resource.TENANT, Action.UPDATE), errors={})


@router.post("/portal/alarms/rules/{cause}", response_class=HTMLResponse)
async def change_rule(page: Operator, cause: str, enabled: Annotated[bool, Form()] = False,
                      level: Annotated[str, Form()] = "", offline_minutes: Annotated[str, Form()] = "",
                      notify_emails: Annotated[str, Form()] = "") -> Response:
    t = await page.tenancy(Resource.TENANT, Action.UPDATE)
    emails = [e.strip() for e in notify_emails.replace(";", ",").split(",") if e.strip()]
    try:
        minutes = int(offline_minutes) if offline_minutes.strip() else None
        body = AlarmRuleUpdate(enabled=enabled, level=blank(level), notify_emails=emails,
                               offline_after_seconds=minutes * 60 if minutes is not None else None)
        changes = body.model_dump(exclude_unset=True)
        await t.write(lambda uow: service.set_rule(uow, cause=cause, changes=changes))
    except ValueError as exc:  # a pydantic ValidationError or a number that is not one
        errors = form_errors(page, exc, ()) if isinstance(exc, ValidationError) else \
            {"form": page._("The minutes must be a whole number.")}
        found = await t.read(lambda uow: [(c, service.rule_for(uow, c)) for c in CAUSES])
        return page.render("operator/alarm_rules.html", status_code=422, section="alarms", rules=found,
                           labels=Labels(page), levels=LEVELS, may_change=True, errors={cause: errors["form"]})
    return page.redirect("/portal/alarms/rules")


@router.get("/portal/alarms/{alarm_id}", response_class=HTMLResponse)
async def alarm(page: Operator, alarm_id: uuid.UUID) -> Response:
    return await _show(page, alarm_id)


@router.post("/portal/alarms/{alarm_id}/{step}", response_class=HTMLResponse)
async def process(page: Operator, alarm_id: uuid.UUID, step: str,
                  comment: Annotated[str, Form()] = "") -> Response:
    """Acknowledge or resolve, with an optional comment."""
    t = await page.tenancy(Resource.CHARGE_POINT, Action.UPDATE)
    act: Any = {"acknowledge": service.acknowledge, "resolve": service.resolve}.get(step)
    if act is None:
        return await _show(page, alarm_id, errors={"form": page._("Unknown action.")}, status_code=404)
    now, actor, note = page.services.clock.now(), page.principal.label, blank(comment)
    try:
        await t.write(lambda uow: act(uow, alarm_id=alarm_id, actor=actor, comment=note, now=now))
    except DomainError as exc:
        return await _show(page, alarm_id, errors={"form": say(page, exc)}, status_code=409)
    return page.redirect(f"/portal/alarms/{alarm_id}")

