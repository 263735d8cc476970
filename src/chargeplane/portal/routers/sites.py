"""Sites and stations (`/portal/sites`): the list with each site's chargers and their live states,
a site's page ("station": the site with its chargers, what it is shared with, a share form),
create, edit, delete, and batch import from CSV/XLSX. The same domain calls as `api.routers.sites`."""

from __future__ import annotations

import uuid
import zoneinfo
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from chargeplane.api import import_flows, live
from chargeplane.db import UnitOfWork
from chargeplane.domain.access import grants, labels
from chargeplane.domain.access.schemas import AccessGrantRead
from chargeplane.domain.assets import management, service, site_import
from chargeplane.domain.assets.schemas import SiteCreate, SiteRead, SiteUpdate
from chargeplane.domain.assets.site_overview import ChargerLine, charger_lines, states_by_site
from chargeplane.domain.errors import DomainError
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.portal.org_support import add_import_routes, form_values, picked_id
from chargeplane.portal.pages import Page
from chargeplane.portal.people_support import form_errors, status_of
from chargeplane.portal.security import operator_page
from chargeplane.portal.smart_support import site_part

router = APIRouter()

Operator = Annotated[Page, Depends(operator_page)]
FIELDS = ("name", "address", "time_zone", "latitude", "longitude", "account_id")
EXAMPLE = ("Harbour car park", "Sadama 25, 10111 Tallinn", "59.4443", "24.7654", "Europe/Tallinn", "")


@cache
def time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def _values(page: Page, form: dict[str, str]) -> dict[str, object]:
    """The form as the API's body would be: an empty field is no value."""
    values: dict[str, object] = {name: value or None for name, value in form.items()}
    values["name"] = form["name"]  # empty stays empty: the schema says a name is needed
    values["account_id"] = picked_id(page, form["account_id"], "account_id")
    values["time_zone"] = form["time_zone"] or page.brand.time_zone
    return values


async def _edit_form(page: Page, *, site: SiteRead | None, form: dict[str, str], errors: dict[str, str],
                     status_code: int = 200) -> Response:
    t = await page.tenancy(Resource.SITE, Action.READ)
    accounts = await t.read(labels.accounts)
    return page.render("operator/site_form.html", status_code=status_code, section="sites", site=site, form=form,
                       errors=errors, accounts=accounts, time_zones=time_zones())


def _form_of(site: SiteRead) -> dict[str, str]:
    return {name: "" if getattr(site, name) is None else str(getattr(site, name)) for name in FIELDS}


# --- the list, live --------------------------------------------------------------------------------------


async def _rows(page: Page) -> str:
    t = await page.tenancy(Resource.SITE, Action.READ)
    connected = page.services.bus.gateway.is_connected

    def unit(uow: UnitOfWork) -> str:
        sites = [SiteRead.model_validate(s) for s in service.list_sites(uow)]
        counts = states_by_site(charger_lines(uow, connected=connected))
        accounts = dict(labels.accounts(uow))
        return page.render_text("partials/org_site_rows.html", sites=sites, counts=counts, accounts=accounts)

    return await t.read(unit)


@router.get("/portal/sites", response_class=HTMLResponse)
async def sites_list(page: Operator, imported: int | None = None, done: str = "") -> Response:
    return page.render("operator/sites.html", section="sites", rows=await _rows(page), imported=imported,
                       deleted=done == "deleted")


@router.get("/portal/live/sites")
async def sites_live(page: Operator, request: Request) -> Response:
    return live.stream(request, page.brand.tenant_id, lambda: _rows(page))


# --- create, import --------------------------------------------------------------------------------------


@router.get("/portal/sites/new", response_class=HTMLResponse)
async def new_site(page: Operator) -> Response:
    await page.tenancy(Resource.SITE, Action.CREATE)
    return await _edit_form(page, site=None, form={"time_zone": page.brand.time_zone}, errors={})


@router.post("/portal/sites/new", response_class=HTMLResponse)
async def create_site(page: Operator, request: Request) -> Response:
    t = await page.tenancy(Resource.SITE, Action.CREATE)
    form, now = await form_values(request, FIELDS), page.services.clock.now()
    try:
        fields = SiteCreate.model_validate(_values(page, form)).model_dump()
        site = await t.write(lambda uow: SiteRead.model_validate(
            management.create_site(uow, fields=fields, actor=t.principal, now=now)))
    except (DomainError, ValidationError) as exc:
        return await _edit_form(page, site=None, form=form, errors=form_errors(page, exc, FIELDS),
                                status_code=status_of(exc))
    return page.redirect(f"/portal/sites/{site.id}")


add_import_routes(router, base="/portal/sites", resource=Resource.SITE, flow=import_flows.import_sites,
                  template="operator/site_import.html", columns=site_import.COLUMNS, example=EXAMPLE)


# --- one site ----------------------------------------------------------------------------------------------


async def _chargers(page: Page, site_id: uuid.UUID) -> str:
    t = await page.tenancy(Resource.SITE, Action.READ)
    connected = page.services.bus.gateway.is_connected

    def unit(uow: UnitOfWork) -> list[ChargerLine]:
        service.get_site(uow, site_id)  # the gate's answer: this viewer's site, or NotFound
        return charger_lines(uow, connected=connected, site_id=site_id)

    lines = await t.read(unit)
    return page.render_text("partials/org_site_chargers.html", chargers=lines)


@router.get("/portal/sites/{site_id}", response_class=HTMLResponse)
async def site_page(page: Operator, site_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.SITE, Action.READ)
    may_share = page.principal.can(Resource.ACCESS_GRANT, Action.READ)

    def unit(uow: UnitOfWork) -> dict[str, Any]:
        site = SiteRead.model_validate(service.get_site(uow, site_id))
        shared = ([AccessGrantRead.model_validate(g) for g in grants.list_grants(
            uow, where=grants.GrantFilter(site_id=site_id), limit=200)] if may_share else [])
        return {"site": site, "grants": shared, "accounts": dict(labels.accounts(uow)),
                "users": labels.users(uow, (g.user_id for g in shared)), "groups": labels.groups(uow)}

    found = await t.read(unit)
    return page.render("operator/site.html", section="sites", chargers=await _chargers(page, site_id),
                       form={}, errors={}, smart=await site_part(page, site_id), **found)


@router.get("/portal/live/sites/{site_id}")
async def site_live(page: Operator, request: Request, site_id: uuid.UUID) -> Response:
    await _chargers(page, site_id)  # another tenant's site, or none: 404 before streaming
    return live.stream(request, page.brand.tenant_id, lambda: _chargers(page, site_id))


@router.get("/portal/sites/{site_id}/edit", response_class=HTMLResponse)
async def edit_site(page: Operator, site_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.SITE, Action.UPDATE)
    site = await t.read(lambda uow: SiteRead.model_validate(service.get_site(uow, site_id)))
    return await _edit_form(page, site=site, form=_form_of(site), errors={})


@router.post("/portal/sites/{site_id}/edit", response_class=HTMLResponse)
async def update_site(page: Operator, request: Request, site_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.SITE, Action.UPDATE)
    site = await t.read(lambda uow: SiteRead.model_validate(service.get_site(uow, site_id)))
    form, now = await form_values(request, FIELDS), page.services.clock.now()
    try:
        changes = SiteUpdate.model_validate(_values(page, form)).model_dump()
        await t.write(lambda uow: management.update_site(uow, site_id, changes=changes, actor=t.principal, now=now))
    except (DomainError, ValidationError) as exc:
        return await _edit_form(page, site=site, form=form, errors=form_errors(page, exc, FIELDS),
                                status_code=status_of(exc))
    return page.redirect(f"/portal/sites/{site_id}")


@router.post("/portal/sites/{site_id}/delete")
async def delete_site(page: Operator, site_id: uuid.UUID) -> Response:
    """Its charge points stay, without a site (the page says so before the button)."""
    t = await page.tenancy(Resource.SITE, Action.DELETE)
    now = page.services.clock.now()
    await t.write(lambda uow: management.delete_site(uow, site_id, actor=t.principal, now=now))
    return page.redirect("/portal/sites?done=deleted")
