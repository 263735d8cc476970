"""The operator's dashboard (`/portal`): the fleet's live status (chargers by state, power now, energy
and sessions today, the chargers that need attention), for everything the viewer sees or one site or
account, re-sent by server-sent events whenever a charger or session changes. The same domain
query as `GET /api/v1/fleet/status`."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from chargeplane.api import live
from chargeplane.api.deps import Tenancy
from chargeplane.api.routers.auth_support import own
from chargeplane.db import UnitOfWork
from chargeplane.domain.access import labels
from chargeplane.domain.assets.fleet import CHARGER_STATES, fleet_status
from chargeplane.domain.identity.login import the_user
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.identity.profile import describe_me
from chargeplane.portal.org_support import picked_id
from chargeplane.portal.pages import Page
from chargeplane.portal.security import operator_page

router = APIRouter()

Operator = Annotated[Page, Depends(operator_page)]
# Always shown, even at zero; the other states only when some charger is in them.
MAIN_STATES = ("available", "preparing", "charging", "suspended", "finishing", "faulted", "unavailable", "offline")


async def _status(page: Page, t: Tenancy, site_id: uuid.UUID | None, account_id: uuid.UUID | None) -> str:
    connected, now = page.services.bus.gateway.is_connected, page.services.clock.now()
    query = urlencode({name: str(value) for name, value in (("site_id", site_id), ("account_id", account_id))
                       if value is not None})

    def unit(uow: UnitOfWork) -> str:
        status = fleet_status(uow, connected=connected, now=now, time_zone=page.brand.time_zone, site_id=site_id,
                              account_id=account_id)
        shown = [state for state in CHARGER_STATES if state in MAIN_STATES or status.counts[state]]
        return page.render_text("partials/fleet_status.html", status=status, shown=shown, query=query,
                                sites=dict(labels.sites(uow)))

    return await t.read(unit)


async def _needs_second_factor(page: Page) -> bool:
    """Staff whose role wants a second factor and who have not set one up yet."""
    principal = page.principal
    totp = await own(page.services, principal).read(
        lambda uow: describe_me(uow, user=the_user(uow, principal)).totp)
    return totp.required and not totp.enabled


@router.get("/portal", response_class=HTMLResponse)
async def dashboard(page: Operator, site_id: str = "", account_id: str = "") -> Response:
    site, account = picked_id(page, site_id, "site_id"), picked_id(page, account_id, "account_id")
    t = await page.tenancy(Resource.CHARGE_POINT, Action.READ)
    sites, accounts = await t.read(lambda uow: (labels.sites(uow), labels.accounts(uow)))
    live_url = "/portal/live/fleet" + (f"?{page.request.url.query}" if page.request.url.query else "")
    return page.render("operator/dashboard.html", section="dashboard", status=await _status(page, t, site, account),
                       live_url=live_url, sites=sites, accounts=accounts, site_id=site, account_id=account,
                       needs_second_factor=await _needs_second_factor(page))


@router.get("/portal/live/fleet")
async def dashboard_live(page: Operator, request: Request, site_id: str = "", account_id: str = "") -> Response:
    site, account = picked_id(page, site_id, "site_id"), picked_id(page, account_id, "account_id")
    t = await page.tenancy(Resource.CHARGE_POINT, Action.READ)
    return live.stream(request, page.brand.tenant_id, lambda: _status(page, t, site, account))
