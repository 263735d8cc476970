"""Reports: usage and revenue (the daily consumption summary is its `period=day` form) and the
transaction detail list, as JSON and as CSV or XLSX files streamed while they are read."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.reports.export import MEDIA_TYPES, Cells, Format, csv_stream, file_chunks, xlsx_file
from chargeplane.domain.reports.periods import DayRange, Period, tenant_zone, zone_info
from chargeplane.domain.reports.schemas import GroupBy, TransactionRead, UsageReport
from chargeplane.domain.reports.tables import TRANSACTION_COLUMNS, one_page, transaction_pages, usage_table
from chargeplane.domain.reports.transactions import TransactionSearch, list_transactions
from chargeplane.domain.reports.usage import UsageQuery, get_usage

router = APIRouter(prefix="/reports", tags=["reports"])

ReadReport = Annotated[Tenancy, Depends(permit(Resource.REPORT, Action.READ))]
TimeZone = Annotated[str | None, Query(description="IANA time zone of the days; the tenant's by default")]


async def export_response(kind: Format, header: Cells, pages: AsyncIterator[Sequence[Cells]], *,
                          name: str) -> StreamingResponse:
    """The rows as a CSV or XLSX download, streamed (the portal's downloads too)."""
    disposition = {"Content-Disposition": f'attachment; filename="{name}.{kind.value}"'}
    if kind is Format.CSV:
        return StreamingResponse(csv_stream(header, pages), media_type=MEDIA_TYPES[kind], headers=disposition)
    path = await xlsx_file(header, pages, title=name)
    return StreamingResponse(file_chunks(path), media_type=MEDIA_TYPES[kind], headers=disposition)


async def _zone(t: Tenancy, zone: str | None) -> str:
    name: str = zone if zone else await t.read(tenant_zone)
    zone_info(name)
    return name


async def _days(t: Tenancy, first: date, last: date, zone: str | None) -> DayRange:
    return DayRange(first, last, await _zone(t, zone))


async def _usage(t: Tenancy, first: date, last: date, zone: str | None, group_by: GroupBy, period: Period,
                 site_id: uuid.UUID | None, charge_point_id: uuid.UUID | None,
                 account_id: uuid.UUID | None) -> UsageReport:
    query = UsageQuery(days=await _days(t, first, last, zone), group_by=group_by, period=period, site_id=site_id,
                       charge_point_id=charge_point_id, account_id=account_id)
    return await t.read(lambda uow: get_usage(uow, query=query))


@router.get("/usage", response_model=UsageReport, operation_id="get_usage_report")
async def usage_report(t: ReadReport, date_from: date, date_to: date, time_zone: TimeZone = None,
                       group_by: GroupBy = GroupBy.CHARGE_POINT, period: Period = Period.DAY,
                       site_id: uuid.UUID | None = None, charge_point_id: uuid.UUID | None = None,
                       account_id: uuid.UUID | None = None) -> UsageReport:
    """Sessions, energy, distinct drivers and fees (the latest CDRs' totals, per currency) per period and
    group, with totals. Days `date_from` to `date_to`, both included; a session counts on the day it started."""
    return await _usage(t, date_from, date_to, time_zone, group_by, period, site_id, charge_point_id, account_id)


@router.get("/usage/export", operation_id="export_usage_report",
            responses={200: {"content": {MEDIA_TYPES[Format.CSV]: {}, MEDIA_TYPES[Format.XLSX]: {}}}})
async def export_usage(t: ReadReport, date_from: date, date_to: date, format: Format = Format.CSV,
                       time_zone: TimeZone = None, group_by: GroupBy = GroupBy.CHARGE_POINT,
                       period: Period = Period.DAY, site_id: uuid.UUID | None = None,
                       charge_point_id: uuid.UUID | None = None,
                       account_id: uuid.UUID | None = None) -> StreamingResponse:
    """The usage report as a file: a row per period and group, then the totals row."""
    report = await _usage(t, date_from, date_to, time_zone, group_by, period, site_id, charge_point_id, account_id)
    header, rows = usage_table(report)
    return await export_response(format, header, one_page(rows), name="usage")


async def _optional_days(t: Tenancy, first: date | None, last: date | None, zone: str | None) -> DayRange | None:
    """No days: no filter; one of the two: that one day."""
    start, end = first or last, last or first
    return await _days(t, start, end, zone) if start and end else None


def _search(days: DayRange | None, q: str | None, charge_point_id: uuid.UUID | None, site_id: uuid.UUID | None,
            account_id: uuid.UUID | None, id_token_id: uuid.UUID | None) -> TransactionSearch:
    return TransactionSearch(days=days, text=q, charge_point_id=charge_point_id, site_id=site_id,
                             account_id=account_id, id_token_id=id_token_id)


@router.get("/transactions", response_model=Page[TransactionRead], operation_id="list_report_transactions")
async def transactions(t: ReadReport, date_from: date | None = None, date_to: date | None = None,
                       time_zone: TimeZone = None, q: str | None = None, charge_point_id: uuid.UUID | None = None,
                       site_id: uuid.UUID | None = None, account_id: uuid.UUID | None = None,
                       id_token_id: uuid.UUID | None = None, limit: Limit = DEFAULT_LIMIT,
                       cursor: Cursor = None) -> dict[str, Any]:
    """Newest first. `q` finds a part of a card's uid or label, a charger's identity, name or serial number,
    or a driver's name or email; `date_from`..`date_to` (both included; one alone: that day) the day it started."""
    days = await _optional_days(t, date_from, date_to, time_zone)
    search, after = _search(days, q, charge_point_id, site_id, account_id, id_token_id), decode_cursor(cursor)
    rows = await t.read(lambda uow: list_transactions(uow, search=search, limit=limit, after=after))
    return page(rows, rows, limit)


@router.get("/transactions/export", operation_id="export_report_transactions",
            responses={200: {"content": {MEDIA_TYPES[Format.CSV]: {}, MEDIA_TYPES[Format.XLSX]: {}}}})
async def export_transactions(t: ReadReport, format: Format = Format.CSV, date_from: date | None = None,
                              date_to: date | None = None, time_zone: TimeZone = None, q: str | None = None,
                              charge_point_id: uuid.UUID | None = None, site_id: uuid.UUID | None = None,
                              account_id: uuid.UUID | None = None,
                              id_token_id: uuid.UUID | None = None) -> StreamingResponse:
    """Every transaction the search finds, newest first; times in the report's time zone."""
    zone = await _zone(t, time_zone)
    search = _search(await _optional_days(t, date_from, date_to, zone), q, charge_point_id, site_id, account_id,
                     id_token_id)
    pages = transaction_pages(t.read, search, ZoneInfo(zone))
    return await export_response(format, TRANSACTION_COLUMNS, pages, name="transactions")
