"""The driver app's chargers: those I may use (mine, shared with me, my company's, public) as a list and
a map with live availability and my price; a charger's page; starting to charge there."""

from __future__ import annotations

import contextlib
import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse

from chargeplane.api import driver_flows, live
from chargeplane.api.auth import SESSION_COOKIE, check_login, client_address
from chargeplane.api.pagination import next_cursor
from chargeplane.api.problems import ApiError
from chargeplane.bus import ChargerCallFailed
from chargeplane.db import UnitOfWork
from chargeplane.domain.access import driver
from chargeplane.domain.access.schemas import DriverCard, DriverChargePoint, DriverSession
from chargeplane.domain.errors import Conflict, NotFound
from chargeplane.domain.pricing.preview import preview_price
from chargeplane.domain.pricing.schemas import PricePreview
from chargeplane.portal import driver_app
from chargeplane.portal.driver_app import (
    PAGE_SIZE,
    Availability,
    Driver,
    availability,
    command_failure,
    tenancy,
    user_id,
)
from chargeplane.portal.i18n import LANGUAGE_COOKIE, choose_language
from chargeplane.portal.pages import STATIC_DIR, Brand, Page
from chargeplane.portal.price_words import PriceWords, price_words
from chargeplane.portal.problems import say
from chargeplane.portal.security import TENANT_COOKIE, brand_by_id, brand_by_slug

router = APIRouter()

PRICES_FRESH_FOR = 300.0  # seconds a live list keeps the prices it read (time-of-use prices change by the hour)
DEFAULT_THEME = "#0b7a4b"
# What the service worker keeps for when the network is down.
APP_SHELL = ["/app/offline", "/app/manifest.webmanifest", "/static/build/portal.css", "/static/build/portal.js",
             "/static/icon.svg", "/static/icon-192.png"]


@dataclass(frozen=True, slots=True)
class ChargerItem:
    """A charger as the list and the map show it."""

    view: DriverChargePoint
    availability: Availability
    price: PriceWords | None


async def _previews(page: Page, ids: list[uuid.UUID]) -> dict[uuid.UUID, PricePreview]:
    now, me = page.services.clock.now(), user_id(page)

    def unit(uow: UnitOfWork) -> dict[uuid.UUID, PricePreview]:
        found = {}
        for cp_id in ids:
            # A charger taken away since the list was read has no price for me: the next read drops it.
            with contextlib.suppress(NotFound):
                found[cp_id] = preview_price(uow, user_id=me, charge_point_id=cp_id, card_id=None, at=now)
        return found

    return await tenancy(page).read(unit)


def _lister(page: Page, after: tuple[Any, uuid.UUID] | None) -> Callable[[], Awaitable[list[ChargerItem]]]:
    """Reads my chargers with their live state each time; prices only now and then (they cost a tariff
    selection each and change by the hour, not by the second)."""
    prices: dict[uuid.UUID, PriceWords] = {}
    read_at = 0.0

    async def items() -> list[ChargerItem]:
        nonlocal read_at
        views = await driver_flows.my_charge_points(tenancy(page), limit=PAGE_SIZE, after=after)
        if time.monotonic() - read_at > PRICES_FRESH_FOR:
            prices.clear()
            read_at = time.monotonic()
        missing = [v.id for v in views if v.id not in prices]
        if missing:
            prices.update({k: price_words(page, p) for k, p in (await _previews(page, missing)).items()})
        return [ChargerItem(v, availability(v), prices.get(v.id)) for v in views]

    return items


def _markers(page: Page, items: list[ChargerItem]) -> dict[str, Any]:
    settings = page.services.settings
    markers = [{
        "lat": item.view.latitude, "lng": item.view.longitude, "label": item.view.name or item.view.identity,
        "url": f"/app/chargers/{item.view.id}",
        "state": item.availability.state if item.availability.state != "online" else "available",
        "detail": page._("%(free)s of %(total)s free", free=item.availability.free, total=item.availability.total)
        + (f" · {item.price.short}" if item.price else ""),
    } for item in items if item.view.latitude is not None and item.view.longitude is not None]
    return {"tiles": settings.portal_map_tiles, "attribution": settings.portal_map_attribution, "markers": markers}


@router.get("/app", response_class=HTMLResponse)
async def chargers(page: Driver, view: str = "list", cursor: str | None = None) -> HTMLResponse:
    items = await _lister(page, driver_app.cursor(page, cursor))()
    live_url = "/app/live/chargers" + (f"?cursor={quote(cursor)}" if cursor else "")
    # The same paging as /api/v1/me/charge-points: the API's cursor over (created_at, id).
    more = next_cursor([item.view for item in items], PAGE_SIZE)
    return page.render("driver/chargers.html", tab="chargers", items=items, view="map" if view == "map" else "list",
                       map_spec=_markers(page, items), live_url=live_url, next_cursor=more)


@router.get("/app/live/chargers")
async def chargers_live(page: Driver, request: Request, cursor: str | None = None) -> StreamingResponse:
    items = _lister(page, driver_app.cursor(page, cursor))

    async def render() -> str:
        return page.render_text("partials/app_chargers_list.html", items=await items())

    return live.stream(request, page.brand.tenant_id, render)


# A charger's page


@dataclass(frozen=True, slots=True)
class ChargerMine:
    """What I have to do with this charger: my cards that can start here, my sessions running on it."""

    cards: list[DriverCard]
    running: list[DriverSession]
    preview: PricePreview


async def _mine(page: Page, charge_point_id: uuid.UUID) -> ChargerMine:
    now, me = page.services.clock.now(), user_id(page)

    def unit(uow: UnitOfWork) -> ChargerMine:
        preview = preview_price(uow, user_id=me, charge_point_id=charge_point_id, card_id=None, at=now)
        cards = [DriverCard.model_validate(c)
                 for c in driver.usable_cards(uow, user_id=me, charge_point_id=charge_point_id, now=now)]
        running = [s for s in driver.my_running_sessions(uow, user_id=me) if s.charge_point_id == charge_point_id]
        return ChargerMine(cards, running, preview)

    return await tenancy(page).read(unit)


async def _charger_page(page: Page, charge_point_id: uuid.UUID, *, status_code: int = 200,
                        error: str | None = None, form: dict[str, str] | None = None) -> HTMLResponse:
    view = await driver_flows.my_charge_point(tenancy(page), charge_point_id)
    mine = await _mine(page, charge_point_id)
    return page.render("driver/charger.html", status_code=status_code, tab="chargers", cp=view,
                       availability=availability(view), price=price_words(page, mine.preview), cards=mine.cards,
                       running=mine.running, error=error, form=form or {})


@router.get("/app/chargers/{charge_point_id}", response_class=HTMLResponse)
async def charger(charge_point_id: uuid.UUID, page: Driver) -> HTMLResponse:
    return await _charger_page(page, charge_point_id)


@router.get("/app/live/chargers/{charge_point_id}")
async def charger_live(charge_point_id: uuid.UUID, page: Driver, request: Request) -> StreamingResponse:
    await driver_flows.my_charge_point(tenancy(page), charge_point_id)  # a charger I may not use: 404 at once

    async def render() -> str:
        view = await driver_flows.my_charge_point(tenancy(page), charge_point_id)
        return page.render_text("partials/app_connectors.html", cp=view, availability=availability(view))

    return live.stream(request, page.brand.tenant_id, render)


@router.post("/app/chargers/{charge_point_id}/start", response_class=HTMLResponse)
async def start(charge_point_id: uuid.UUID, page: Driver, connector_id: Annotated[str, Form()] = "",
                card_id: Annotated[str, Form()] = "", virtual: Annotated[bool, Form()] = False) -> Response:
    """Start with the chosen card (or my first that can charge here), or with a new virtual card made
    on the spot for someone who has none that can."""
    form = {"connector_id": connector_id, "card_id": card_id}
    t = tenancy(page)
    try:
        connector = int(connector_id) if connector_id.strip() else None
        card = uuid.UUID(card_id) if card_id.strip() else None
    except ValueError:
        return await _charger_page(page, charge_point_id, status_code=422, form=form,
                                   error=page._("Choose a connector and a card from the lists."))
    try:
        if virtual:
            now = page.services.clock.now()
            label = page._("Virtual card")
            card = await t.write(lambda uow: driver.add_my_card(uow, actor=t.principal, kind="virtual", uid=None,
                                                                label=label, account_id=None, now=now).id)
        result = await driver_flows.start_charging(t, charge_point_id=charge_point_id, connector_id=connector,
                                                   card_id=card)
    except Conflict as exc:
        error = page._("None of your cards can charge here: add a card, or start with a virtual card.") \
            if exc.details.get("field") == "card_id" and card is None else say(page, exc)
        return await _charger_page(page, charge_point_id, status_code=409, form=form, error=error)
    except (ChargerCallFailed, ApiError) as exc:
        return await _charger_page(page, charge_point_id, status_code=409, form=form,
                                   error=command_failure(page, exc))
    if result.status != "Accepted":
        return await _charger_page(page, charge_point_id, status_code=409, form=form, error=page._(
            "The charger refused to start. Check that the cable is plugged in firmly, and try again."))
    return page.redirect(f"/app/charging?started={charge_point_id}")


# Installing the app: its manifest, its service worker and the page it shows offline. The browser
# fetches these without being asked to log in, so they wear the brand of the tenant the visitor is
# logged in to (or last logged in to), else a neutral one.


async def _app_page(request: Request) -> Page:
    services = request.app.state.services
    brand: Brand | None = None
    cookie = request.cookies.get(SESSION_COOKIE)
    check = await check_login(services, cookie, "cookie", client_address(request)) if cookie else None
    if check is not None:
        brand = await brand_by_id(services, check.principal.tenant_id)
    elif slug := request.cookies.get(TENANT_COOKIE):
        with contextlib.suppress(NotFound):
            brand = await brand_by_slug(services, slug)
    brand = brand or Brand.neutral()
    language = choose_language(offered=list(brand.languages), chosen=request.cookies.get(LANGUAGE_COOKIE), user=None,
                               accept_language=request.headers.get("accept-language"),
                               tenant_default=brand.default_language)
    return Page(request=request, services=services, env=request.app.state.templates, brand=brand, language=language,
                time_zone=brand.time_zone, csrf_token="")


@router.get("/app/manifest.webmanifest")
async def manifest(request: Request) -> JSONResponse:
    page = await _app_page(request)
    brand = page.brand
    body = {
        "name": brand.name, "short_name": brand.name[:12], "lang": page.language,
        "description": page._("Find a charger, start and stop charging, and see what it costs."),
        "start_url": "/app", "scope": "/app", "display": "standalone",
        "background_color": "#ffffff", "theme_color": brand.primary_color or DEFAULT_THEME,
        "icons": [
            {"src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml"},
            {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {"src": "/static/icon-maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }
    return JSONResponse(body, media_type="application/manifest+json", headers={"Cache-Control": "no-cache"})


@cache
def _build_version() -> str:
    """Changes with every build of the front end, so that a new build replaces the cached shell."""
    digest = hashlib.sha256()
    for path in sorted((STATIC_DIR / "build").glob("*")):
        stat = path.stat()
        digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


@router.get("/app/sw.js")
async def service_worker(request: Request) -> Response:
    body = request.app.state.templates.get_template("driver/sw.js").render(version=_build_version(), shell=APP_SHELL)
    return Response(body, media_type="text/javascript",
                    headers={"Service-Worker-Allowed": "/app", "Cache-Control": "no-cache"})


@router.get("/app/offline", response_class=HTMLResponse)
async def offline(request: Request) -> HTMLResponse:
    return (await _app_page(request)).render("driver/offline.html")
