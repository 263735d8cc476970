"""Charge points (`/portal/charge-points`): the list with filters (live state, site, account,
registration, a piece of the identity or name), registering one (its OCPP address and generated
password shown once), editing, deleting, accepting a pending one, and a charger's own page:
connectors and running sessions live, details, recent OCPP messages, its configuration and commands
with the charger's answer in place. The same flows as the API (`api.charge_point_flows`)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from chargeplane.api import charge_point_flows as flows
from chargeplane.api import live
from chargeplane.api.deps import Tenancy
from chargeplane.api.pagination import next_cursor
from chargeplane.api.problems import ApiError
from chargeplane.bus import ChargerCallFailed, ChargerTimeout
from chargeplane.db import UnitOfWork
from chargeplane.domain.access import labels
from chargeplane.domain.assets import management, service
from chargeplane.domain.assets.fleet import CHARGER_STATES, charge_points_in_state, state_of
from chargeplane.domain.assets.schemas import ChargePointCreate, ChargePointRead, ChargePointUpdate
from chargeplane.domain.errors import DomainError, Invalid, NotFound
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.pricing.session_views import session_reads
from chargeplane.domain.sessions import queries
from chargeplane.domain.tenancy.tree import subtree
from chargeplane.domain.tokens.service import list_id_tokens
from chargeplane.portal.fleet_support import (
    COMMANDS,
    REGISTRATION,
    STATE_NAMES,
    TRIGGERS,
    CommandResult,
    answered,
    choices,
    command_payload,
    failed,
    ocpp_url,
    words,
)
from chargeplane.portal.org_support import form_values, picked_id
from chargeplane.portal.pages import Page
from chargeplane.portal.people_support import blank, choice, form_errors, next_page, safe_cursor, status_of
from chargeplane.portal.security import operator_page
from chargeplane.portal.smart_support import charger_part

router = APIRouter()

Operator = Annotated[Page, Depends(operator_page)]
PAGE_SIZE = 50
FIELDS = ("identity", "name", "site_id", "account_id", "registration_status", "password", "community", "public")
EDITABLE = ("name", "site_id", "account_id", "registration_status", "community", "public")


# --- the list ----------------------------------------------------------------------------------------------


@router.get("/portal/charge-points", response_class=HTMLResponse)
async def charge_points_list(page: Operator, state: str = "", site_id: str = "", account_id: str = "",
                             registration_status: str = "", q: str = "", cursor: str = "",
                             deleted: str = "") -> Response:
    t = await page.tenancy(Resource.CHARGE_POINT, Action.READ)
    gateway = page.services.bus.gateway
    site, account = picked_id(page, site_id, "site_id"), picked_id(page, account_id, "account_id")
    wanted = choice(state, CHARGER_STATES)
    after = safe_cursor(cursor)

    def unit(uow: UnitOfWork) -> tuple[list[tuple[ChargePointRead, str]], Any, Any]:
        where = service.ChargePointFilter(site_id=site, search=blank(q),
                                          registration_status=choice(registration_status, REGISTRATION),
                                          account_ids=subtree(uow, [account]) if account else None)
        rows = charge_points_in_state(uow, where=where, state=wanted, connected=gateway.is_connected,
                                      limit=PAGE_SIZE, after=after)
        return ([(ChargePointRead.model_validate(cp), state_of(cp, gateway.is_connected)) for cp in rows],
                labels.sites(uow), labels.accounts(uow))

    rows, sites, accounts = await t.read(unit)
    items = [(flows.live(cp, gateway), cp_state) for cp, cp_state in rows]
    filters = {"state": wanted or "", "site_id": site, "account_id": account, "q": q,
               "registration_status": choice(registration_status, REGISTRATION) or ""}
    return page.render("operator/charge_points.html", section="charge-points", items=items, sites=sites,
                       site_names=dict(sites), accounts=accounts, filters=filters, registration=REGISTRATION,
                       states=choices(page, STATE_NAMES, CHARGER_STATES),
                       registrations=choices(page, REGISTRATION), deleted=deleted,
                       next_url=next_page(page.request, next_cursor([cp for cp, _ in rows], PAGE_SIZE)))


# --- create and edit ---------------------------------------------------------------------------------------


def _values(page: Page, form: dict[str, str]) -> dict[str, Any]:
    """The form as the API's body would be: an empty field is no value, a ticked box true."""
    return {"identity": form["identity"], "name": blank(form["name"]),
            "site_id": picked_id(page, form["site_id"], "site_id"),
            "account_id": picked_id(page, form["account_id"], "account_id"),
            "registration_status": form["registration_status"] or "accepted", "password": blank(form["password"]),
            "community": bool(form["community"]), "public": bool(form["public"])}


def _form_of(cp: ChargePointRead) -> dict[str, str]:
    return {name: "" if getattr(cp, name) in (None, False) else str(getattr(cp, name)) for name in EDITABLE} | {
        "identity": cp.identity}


async def _form_page(page: Page, *, cp: ChargePointRead | None, form: dict[str, str], errors: dict[str, str],
                     status_code: int = 200) -> Response:
    t = await page.tenancy(Resource.CHARGE_POINT, Action.READ)
    sites, accounts = await t.read(lambda uow: (labels.sites(uow), labels.accounts(uow)))
    return page.render("operator/charge_point_form.html", status_code=status_code, section="charge-points", cp=cp,
                       form=form, errors=errors, sites=sites, accounts=accounts,
                       registrations=choices(page, REGISTRATION))


@router.get("/portal/charge-points/new", response_class=HTMLResponse)
async def new_charge_point(page: Operator) -> Response:
    await page.tenancy(Resource.CHARGE_POINT, Action.CREATE)
    return await _form_page(page, cp=None, form={"registration_status": "accepted"}, errors={})


@router.post("/portal/charge-points/new", response_class=HTMLResponse)
async def create_charge_point(page: Operator, request: Request) -> Response:
    t = await page.tenancy(Resource.CHARGE_POINT, Action.CREATE)
    form = await form_values(request, FIELDS)
    try:
        created = await flows.register_charge_point(t, ChargePointCreate.model_validate(_values(page, form)))
    except (DomainError, ValidationError) as exc:
        return await _form_page(page, cp=None, form=form, errors=form_errors(page, exc, FIELDS),
                                status_code=status_of(exc))
    # The password is shown on this page only: it is stored hashed, and nobody can read it again.
    return page.render("operator/charge_point_created.html", section="charge-points", cp=created,
                       password=created.password, ocpp_url=ocpp_url(page.services.settings, created.identity))


@router.get("/portal/charge-points/{cp_id}/edit", response_class=HTMLResponse)
async def edit_charge_point(page: Operator, cp_id: uuid.UUID) -> Response:
    cp = await flows.get_charge_point(await page.tenancy(Resource.CHARGE_POINT, Action.UPDATE), cp_id)
    return await _form_page(page, cp=cp, form=_form_of(cp), errors={})


@router.post("/portal/charge-points/{cp_id}/edit", response_class=HTMLResponse)
async def update_charge_point(page: Operator, request: Request, cp_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.CHARGE_POINT, Action.UPDATE)
    cp = await flows.get_charge_point(t, cp_id)
    form = await form_values(request, FIELDS)
    try:
        values = _values(page, form)
        # Only what changed: re-sending an unchanged registration would make the charger boot again.
        changes = {name: values[name] for name in EDITABLE if values[name] != getattr(cp, name)}
        if values["password"]:
            changes["password"] = values["password"]
        if changes:
            await flows.update_charge_point(t, cp_id, ChargePointUpdate.model_validate(changes).model_dump(
                exclude_unset=True))
    except (DomainError, ValidationError) as exc:
        form["identity"] = cp.identity
        return await _form_page(page, cp=cp, form=form, errors=form_errors(page, exc, FIELDS),
                                status_code=status_of(exc))
    return page.redirect(f"/portal/charge-points/{cp_id}")


@router.post("/portal/charge-points/{cp_id}/accept", response_class=HTMLResponse)
async def accept_charge_point(page: Operator, cp_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.CHARGE_POINT, Action.UPDATE)
    await flows.update_charge_point(t, cp_id, {"registration_status": "accepted"})
    return page.redirect(f"/portal/charge-points/{cp_id}")


@router.get("/portal/charge-points/{cp_id}/delete", response_class=HTMLResponse)
async def confirm_delete(page: Operator, cp_id: uuid.UUID) -> Response:
    cp = await flows.get_charge_point(await page.tenancy(Resource.CHARGE_POINT, Action.DELETE), cp_id)
    return page.render("operator/charge_point_delete.html", section="charge-points", cp=cp)


@router.post("/portal/charge-points/{cp_id}/delete", response_class=HTMLResponse)
async def delete_charge_point(page: Operator, cp_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.CHARGE_POINT, Action.DELETE)
    cp = await flows.get_charge_point(t, cp_id)
    now = page.services.clock.now()
    await t.write(lambda uow: management.delete_charge_point(uow, cp_id, actor=t.principal, now=now))
    return page.redirect(f"/portal/charge-points?deleted={cp.identity}")


# --- a charger's page --------------------------------------------------------------------------------------


async def _live_part(page: Page, t: Tenancy, cp_id: uuid.UUID) -> str:
    """Connection, connectors and running sessions: the part the page's event stream re-sends."""
    gateway = page.services.bus.gateway

    def unit(uow: UnitOfWork) -> tuple[ChargePointRead, str, list[Any]]:
        cp = service.get_charge_point(uow, cp_id)
        running = queries.list_sessions(uow, where=queries.SessionFilter(charge_point_id=cp_id, state="active"),
                                        limit=20)
        return ChargePointRead.model_validate(cp), state_of(cp, gateway.is_connected), session_reads(uow, running)

    cp, state, running = await t.read(unit)
    return page.render_text("partials/fleet_connectors.html", cp=flows.live(cp, gateway), state=state,
                            running=running, word=words(page))


async def _detail(page: Page, cp_id: uuid.UUID, *, status_code: int = 200, result: CommandResult | None = None,
                  configuration: dict[str, Any] | None = None) -> Response:
    t = await page.tenancy(Resource.CHARGE_POINT, Action.READ)
    cp = await flows.get_charge_point(t, cp_id)
    live_part = await _live_part(page, t, cp_id)
    messages = await flows.recent_messages(t, cp_id, limit=20)
    may_see_cards = page.principal.can(Resource.ID_TOKEN, Action.READ)

    def unit(uow: UnitOfWork) -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, str], list[tuple[str, str]]]:
        cards = [(c.uid, c.label or "") for c in list_id_tokens(uow, status="accepted", limit=200)] \
            if may_see_cards else []
        return dict(labels.sites(uow)), dict(labels.accounts(uow)), cards

    sites, accounts, cards = await t.read(unit)
    return page.render("operator/charge_point.html", status_code=status_code, section="charge-points", cp=cp,
                       live_part=live_part, messages=messages, site_name=sites.get(cp.site_id) if cp.site_id else None,
                       account_name=accounts.get(cp.account_id) if cp.account_id else None, cards=cards,
                       word=words(page), triggers=[(name, name) for name in TRIGGERS], result=result,
                       configuration=configuration, cp_id=cp.id, ocpp_url=ocpp_url(page.services.settings, cp.identity),
                       smart=await charger_part(page, cp_id))


@router.get("/portal/charge-points/{cp_id}", response_class=HTMLResponse)
async def charge_point_page(page: Operator, cp_id: uuid.UUID) -> Response:
    return await _detail(page, cp_id)


@router.get("/portal/live/charge-points/{cp_id}")
async def charge_point_live(page: Operator, request: Request, cp_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.CHARGE_POINT, Action.READ)
    await _live_part(page, t, cp_id)  # NotFound before the stream starts

    async def render() -> str:
        try:
            return await _live_part(page, t, cp_id)
        except NotFound:
            return page.render_text("partials/flash.html", message=page._("This charge point was deleted."),
                                    error=True)

    return live.stream(request, page.brand.tenant_id, render)


@router.post("/portal/charge-points/{cp_id}/commands/{command}", response_class=HTMLResponse)
async def send_command(page: Operator, request: Request, cp_id: uuid.UUID, command: str) -> Response:
    """The charger's answer in place (htmx), or the charger's page with it (a plain form)."""
    if command not in COMMANDS:
        raise NotFound("there is no such command")
    t = await page.tenancy(Resource.CHARGE_POINT, Action.COMMAND)
    configuration: dict[str, Any] | None = None
    status = 200
    try:
        action, payload = command_payload(page, command, await request.form())
        answer = await flows.send_command(t, cp_id, command=command, action=action, payload=payload)
    except Invalid as exc:
        result, status = failed(page, command, exc), 422
    except (ChargerCallFailed, ApiError) as exc:
        result, status = failed(page, command, exc), 504 if isinstance(exc, ChargerTimeout) else 409
    else:
        result = answered(page, command, answer)
        configuration = answer if command == "get-configuration" else None
    if page.is_htmx:
        # htmx swaps only successful answers: the charger's failure is this answer's content.
        template = "partials/fleet_configuration.html" if configuration is not None else \
            "partials/fleet_command_result.html"
        return HTMLResponse(page.render_text(template, result=result, configuration=configuration, cp_id=cp_id,
                                             word=words(page)))
    return await _detail(page, cp_id, status_code=status, result=result, configuration=configuration)

