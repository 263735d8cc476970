"""Reports (`/portal/reports`): the usage and revenue summary (a range of days in the tenant's time
zone, grouped by charger, site, account or customer group, per day, week or month, with totals) and
the transaction list (searched, paged); both downloadable as CSV or XLSX, streamed. The same domain
reads as `api.routers.reports`."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from chargeplane.api.pagination import next_cursor
from chargeplane.api.routers.reports import export_response
from chargeplane.db import UnitOfWork
from chargeplane.domain.access import labels
from chargeplane.domain.errors import DomainError
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.reports.export import Format
from chargeplane.domain.reports.periods import DayRange, Period
from chargeplane.domain.reports.schemas import GroupBy, TransactionRead, UsageReport
from chargeplane.domain.reports.tables import TRANSACTION_COLUMNS, one_page, transaction_pages, usage_table
from chargeplane.domain.reports.transactions import TransactionSearch, list_transactions
from chargeplane.domain.reports.usage import UsageQuery, get_usage
from chargeplane.portal.org_support import picked_id
from chargeplane.portal.pages import N_, Page
from chargeplane.portal.people_support import blank, choice, form_errors, next_page, safe_cursor
from chargeplane.portal.security import operator_page

router = APIRouter()

Operator = Annotated[Page, Depends(operator_page)]
PAGE_SIZE = 50
GROUPINGS = {GroupBy.CHARGE_POINT: N_("Charge point"), GroupBy.SITE: N_("Site"), GroupBy.ACCOUNT: N_("Account"),
             GroupBy.CUSTOMER_GROUP: N_("Customer group"), GroupBy.NONE: N_("No grouping")}
PERIODS = {Period.DAY: N_("Day"), Period.WEEK: N_("Week"), Period.MONTH: N_("Month"),
           Period.TOTAL: N_("The whole range")}


def _days(page: Page, first: str, last: str) -> DayRange:
    """The days typed (this month so far when none are), in the tenant's time zone."""
    today = dt.datetime.now(ZoneInfo(page.brand.time_zone)).date()
    return DayRange(_date(first) or today.replace(day=1), _date(last) or today, page.brand.time_zone)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def _query(page: Page, search: Any, suffix: str) -> str:
    query = urlencode({name: value for name, value in asdict(search).items() if value})
    return f"{suffix}?{query}" if query else suffix


@dataclass
class SummaryForm:
    date_from: str = ""
    date_to: str = ""
    group_by: str = GroupBy.CHARGE_POINT.value
    period: str = Period.DAY.value

    def query(self, page: Page) -> UsageQuery:
        return UsageQuery(days=_days(page, self.date_from, self.date_to),
                          group_by=GroupBy(choice(self.group_by, GroupBy) or GroupBy.CHARGE_POINT),
                          period=Period(choice(self.period, Period) or Period.DAY))


Summary = Annotated[SummaryForm, Depends()]


@router.get("/portal/reports", response_class=HTMLResponse)
async def summary(page: Operator, form: Summary) -> Response:
    t = await page.tenancy(Resource.REPORT, Action.READ)
    report: UsageReport | None = None
    errors: dict[str, str] = {}
    try:
        query = form.query(page)
        report = await t.read(lambda uow: get_usage(uow, query=query))
        form.date_from, form.date_to = query.days.first.isoformat(), query.days.last.isoformat()
    except DomainError as exc:
        errors = form_errors(page, exc, ("date_from", "date_to"))
    return page.render("operator/reports.html", section="reports", form=form, report=report, errors=errors,
                       groupings=[(key.value, page._(label)) for key, label in GROUPINGS.items()],
                       periods=[(key.value, page._(label)) for key, label in PERIODS.items()],
                       csv_url=_query(page, form, "/portal/reports/usage.csv"),
                       xlsx_url=_query(page, form, "/portal/reports/usage.xlsx"))


@router.get("/portal/reports/usage.{kind}")
async def summary_export(page: Operator, form: Summary, kind: Format) -> Response:
    t = await page.tenancy(Resource.REPORT, Action.READ)
    query = form.query(page)
    header, rows = usage_table(await t.read(lambda uow: get_usage(uow, query=query)))
    return await export_response(kind, header, one_page(rows), name="usage")


@dataclass
class TransactionForm:
    q: str = ""
    charge_point_id: str = ""
    date_from: str = ""
    date_to: str = ""

    def search(self, page: Page) -> TransactionSearch:
        first, last = _date(self.date_from), _date(self.date_to)
        start, end = first or last, last or first  # one day typed: that day
        days = DayRange(start, end, page.brand.time_zone) if start and end else None
        return TransactionSearch(days=days, text=blank(self.q),
                                 charge_point_id=picked_id(page, self.charge_point_id, "charge_point_id"))


Transactions = Annotated[TransactionForm, Depends()]


@router.get("/portal/reports/transactions", response_class=HTMLResponse)
async def transactions(page: Operator, form: Transactions, cursor: str = "") -> Response:
    t = await page.tenancy(Resource.REPORT, Action.READ)
    rows: list[TransactionRead] = []
    errors: dict[str, str] = {}
    after = safe_cursor(cursor)
    try:
        search = form.search(page)

        def unit(uow: UnitOfWork) -> tuple[list[TransactionRead], list[tuple[uuid.UUID, str]]]:
            return list_transactions(uow, search=search, limit=PAGE_SIZE, after=after), labels.charge_points(uow)

        rows, charge_points = await t.read(unit)
    except DomainError as exc:
        errors, charge_points = form_errors(page, exc, ("date_from", "date_to")), await t.read(labels.charge_points)
    return page.render("operator/reports_transactions.html", section="reports", form=form, rows=rows,
                       errors=errors, charge_points=charge_points,
                       csv_url=_query(page, form, "/portal/reports/transactions.csv"),
                       xlsx_url=_query(page, form, "/portal/reports/transactions.xlsx"),
                       next_url=next_page(page.request, next_cursor(rows, PAGE_SIZE)))


@router.get("/portal/reports/transactions.{kind}")
async def transactions_export(page: Operator, form: Transactions, kind: Format) -> Response:
    """Times in the viewer's time zone, as the list shows them."""
    t = await page.tenancy(Resource.REPORT, Action.READ)
    pages = transaction_pages(t.read, form.search(page), ZoneInfo(page.time_zone))
    return await export_response(kind, TRANSACTION_COLUMNS, pages, name="transactions")
