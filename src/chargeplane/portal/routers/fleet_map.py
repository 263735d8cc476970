"""The map (`/portal/map`): the viewer's sites as markers coloured by their chargers' live state
(`domain.assets.fleet.site_state`), each with its name, counts and a link; the same sites as a list
below for keyboards and screen readers. Re-sent by server-sent events when a charger changes. Tiles
come from `portal_map_tiles`; without them (or when they fail) the markers stand on a plain background."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from chargeplane.api import live
from chargeplane.api.deps import Tenancy
from chargeplane.domain.assets.fleet import SiteStatus, site_statuses
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.portal.pages import NP_, Page
from chargeplane.portal.security import operator_page

router = APIRouter()

Operator = Annotated[Page, Depends(operator_page)]

# How many chargers of a site are in each state ("2 available"): a whole phrase with its own plural for
# every state (`domain.assets.fleet.CHARGER_STATES`), so each language agrees the words with the number.
STATE_COUNTS = {
    "available": NP_("%(count)s available", "%(count)s available"),
    "preparing": NP_("%(count)s preparing", "%(count)s preparing"),
    "charging": NP_("%(count)s charging", "%(count)s charging"),
    "suspended": NP_("%(count)s paused", "%(count)s paused"),
    "finishing": NP_("%(count)s finishing", "%(count)s finishing"),
    "reserved": NP_("%(count)s reserved", "%(count)s reserved"),
    "faulted": NP_("%(count)s faulted", "%(count)s faulted"),
    "unavailable": NP_("%(count)s unavailable", "%(count)s unavailable"),
    "pending": NP_("%(count)s waiting for acceptance", "%(count)s waiting for acceptance"),
    "rejected": NP_("%(count)s rejected", "%(count)s rejected"),
    "unknown": NP_("%(count)s in an unknown state", "%(count)s in an unknown state"),
    "offline": NP_("%(count)s offline", "%(count)s offline"),
}


def _marker_detail(page: Page, site: SiteStatus) -> str:
    chargers = page.ngettext("%(count)s charger", "%(count)s chargers", site.total,
                             count=page.fmt.number(site.total))
    counts = ", ".join(page.ngettext(*STATE_COUNTS.get(state, STATE_COUNTS["unknown"]), n, count=page.fmt.number(n))
                       for state, n in sorted(site.counts.items()))
    return f"{chargers}: {counts}" if counts else chargers


async def _map(page: Page, t: Tenancy) -> str:
    connected, settings = page.services.bus.gateway.is_connected, page.services.settings
    sites = await t.read(lambda uow: site_statuses(uow, connected=connected))
    markers: list[dict[str, Any]] = [
        {"lat": s.latitude, "lng": s.longitude, "label": s.name, "url": f"/portal/sites/{s.id}", "state": s.state,
         "detail": _marker_detail(page, s)}
        for s in sites if s.latitude is not None and s.longitude is not None]
    spec = {"tiles": settings.portal_map_tiles, "attribution": settings.portal_map_attribution, "markers": markers}
    return page.render_text("partials/fleet_map.html", sites=sites, spec=spec,
                            details={s.id: _marker_detail(page, s) for s in sites})


@router.get("/portal/map", response_class=HTMLResponse)
async def fleet_map(page: Operator) -> Response:
    t = await page.tenancy(Resource.SITE, Action.READ)
    return page.render("operator/map.html", section="map", part=await _map(page, t))


@router.get("/portal/live/map")
async def fleet_map_live(page: Operator, request: Request) -> Response:
    t = await page.tenancy(Resource.SITE, Action.READ)
    return live.stream(request, page.brand.tenant_id, lambda: _map(page, t))
