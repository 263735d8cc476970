"""Charging sessions (`/portal/sessions`): search and filters (charge point, card, state, normal or
abnormal, a range of days in the viewer's time zone), pages, the final cost where a CDR exists; a
session's page with its energy and power chart and its cost; and the same list as a CSV file,
streamed a batch at a time. The same domain reads as `api.routers.sessions`."""

from __future__ import annotations

import csv
import functools
import io
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from chargeplane.api.pagination import next_cursor
from chargeplane.db import UnitOfWork
from chargeplane.domain.access import labels
from chargeplane.domain.access.session_curve import CurvePoint, session_curve
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.pricing.session_views import FinalCost, final_costs, session_detail, session_reads
from chargeplane.domain.sessions import queries
from chargeplane.domain.sessions.schemas import SessionRead
from chargeplane.portal.charts import session_chart
from chargeplane.portal.fleet_support import SESSION_STATUSES, choices, words
from chargeplane.portal.formatting import Formatter
from chargeplane.portal.org_support import picked_id
from chargeplane.portal.pages import Page
from chargeplane.portal.people_support import Labels, blank, choice, local_day, next_page, safe_cursor
from chargeplane.portal.security import operator_page
from chargeplane.portal.smart_support import session_part

router = APIRouter()

Operator = Annotated[Page, Depends(operator_page)]
PAGE_SIZE = 50
EXPORT_BATCH = 500
STATES = ("active", "interrupted", "completed")
EXPORT_COLUMNS = ("session_id", "transaction_id", "charge_point", "connector", "id_tag", "started_at", "stopped_at",
                  "meter_start_wh", "meter_stop_wh", "energy_kwh", "state", "status", "status_reason", "stop_reason",
                  "cost_incl_vat", "currency")


@dataclass
class SessionSearch:
    """The filters, from the query string (read leniently: an empty or stale value is no filter);
    `since` and `until` are days, both included, in the viewer's time zone."""

    charge_point_id: str = ""
    id_tag: str = ""
    state: str = ""
    status: str = ""
    since: str = ""
    until: str = ""

    def filter(self, page: Page) -> queries.SessionFilter:
        return queries.SessionFilter(
            charge_point_id=picked_id(page, self.charge_point_id, "charge_point_id"), id_tag=blank(self.id_tag),
            state=choice(self.state, STATES), status=choice(self.status, SESSION_STATUSES),
            started_from=local_day(self.since, page.time_zone),
            started_to=local_day(self.until, page.time_zone, days_after=1))


Search = Annotated[SessionSearch, Depends()]


def _page_of(uow: UnitOfWork, where: queries.SessionFilter, limit: int, after: Any
             ) -> tuple[list[SessionRead], dict[uuid.UUID, FinalCost]]:
    reads = session_reads(uow, queries.list_sessions(uow, where=where, limit=limit, after=after))
    return reads, final_costs(uow, [r.id for r in reads])


@router.get("/portal/sessions", response_class=HTMLResponse)
async def sessions_list(page: Operator, search: Search, cursor: str = "") -> Response:
    t = await page.tenancy(Resource.SESSION, Action.READ)
    where, after = search.filter(page), safe_cursor(cursor)

    def unit(uow: UnitOfWork) -> tuple[list[SessionRead], dict[uuid.UUID, FinalCost], Any]:
        return *_page_of(uow, where, PAGE_SIZE, after), labels.charge_points(uow)

    sessions, costs, charge_points = await t.read(unit)
    query = urlencode({name: value for name, value in asdict(search).items() if value})
    return page.render("operator/sessions.html", section="sessions", sessions=sessions, costs=costs,
                       charge_points=charge_points, search=search, labels=Labels(page), word=words(page),
                       statuses=choices(page, SESSION_STATUSES),
                       export_url="/portal/sessions/export.csv" + (f"?{query}" if query else ""),
                       next_url=next_page(page.request, next_cursor(sessions, PAGE_SIZE)))


# --- export ------------------------------------------------------------------------------------------------


def _csv(cells: Iterable[Any]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue()


def _text(value: str | None) -> str:
    """Text as data: a spreadsheet must not take a card's uid or a reason for a formula."""
    value = value or ""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _row(fmt: Formatter, s: SessionRead, cost: FinalCost | None) -> list[Any]:
    energy = f"{Decimal(s.energy_wh) / 1000:.3f}" if s.energy_wh is not None else ""
    return [s.id, s.transaction_id or "", _text(s.charge_point_identity), s.connector_id, _text(s.id_tag),
            fmt.iso(s.started_at), fmt.iso(s.stopped_at), s.meter_start_wh, s.meter_stop_wh, energy, s.state,
            s.status, _text(s.status_reason), _text(s.stop_reason), cost.total_incl_vat if cost else "",
            cost.currency if cost else ""]


@router.get("/portal/sessions/export.csv")
async def sessions_export(page: Operator, search: Search) -> Response:
    """Every session the filters find, newest first; times in the viewer's time zone (ISO 8601)."""
    t = await page.tenancy(Resource.SESSION, Action.READ)
    where = search.filter(page)

    async def lines() -> AsyncIterator[str]:
        yield _csv(EXPORT_COLUMNS)
        after: tuple[Any, uuid.UUID] | None = None
        while True:
            reads, costs = await t.read(functools.partial(_page_of, where=where, limit=EXPORT_BATCH, after=after))
            for read in reads:
                yield _csv(_row(page.fmt, read, costs.get(read.id)))
            if len(reads) < EXPORT_BATCH:
                return
            after = (reads[-1].created_at, reads[-1].id)

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="sessions.csv"'})


# --- one session -------------------------------------------------------------------------------------------


@router.get("/portal/sessions/{session_id}", response_class=HTMLResponse)
async def session_page(page: Operator, session_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.SESSION, Action.READ)
    now = page.services.clock.now()

    def unit(uow: UnitOfWork) -> tuple[Any, list[CurvePoint]]:
        return session_detail(uow, session_id, now=now), session_curve(uow, queries.get_session(uow, session_id))

    session, curve = await t.read(unit)
    return page.render("operator/session.html", section="sessions", s=session, curve=curve,
                       chart=session_chart(page, curve) if curve else None, labels=Labels(page), word=words(page),
                       smart=await session_part(page, session_id))
