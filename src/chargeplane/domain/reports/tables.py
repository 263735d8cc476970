"""The reports as tables for export: their columns, each row's cells (times in the report's time zone),
and the transaction list read page by page through the caller's `read` (one short unit of work per page,
so an export holds neither a transaction nor more than one page)."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from chargeplane.db import UnitOfWork
from chargeplane.domain.reports.export import Cells, safe_text
from chargeplane.domain.reports.schemas import TransactionRead, UsageReport
from chargeplane.domain.reports.transactions import TransactionSearch, list_transactions

T = TypeVar("T")
Read = Callable[[Callable[[UnitOfWork], T]], Awaitable[T]]
EXPORT_PAGE = 1000

TRANSACTION_COLUMNS = ("session_id", "transaction_id", "charge_point", "serial_number", "id_tag", "card_label",
                       "driver_name", "driver_email", "started_at", "stopped_at", "duration_s", "energy_kwh",
                       "state", "cost_excl_vat", "cost_incl_vat", "currency")


def kwh(energy_wh: int | None) -> Decimal | None:
    return None if energy_wh is None else Decimal(energy_wh) / 1000


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return moment.astimezone(zone) if moment else None


def transaction_cells(t: TransactionRead, zone: ZoneInfo) -> Cells:
    return (str(t.id), t.transaction_id, safe_text(t.charge_point_identity), safe_text(t.serial_number),
            safe_text(t.id_tag), safe_text(t.card_label), safe_text(t.driver_name), safe_text(t.driver_email),
            _local(t.started_at, zone), _local(t.stopped_at, zone), t.duration_s, kwh(t.energy_wh), t.state,
            t.cost_excl_vat, t.cost_incl_vat, t.currency)


async def transaction_pages(read: Read[list[TransactionRead]], search: TransactionSearch, zone: ZoneInfo, *,
                            size: int = EXPORT_PAGE) -> AsyncIterator[list[Cells]]:
    """Every transaction the search finds, newest first, as rows of cells, one keyset page per read."""
    after = None
    while True:
        page = await read(functools.partial(list_transactions, search=search, limit=size, after=after))
        yield [transaction_cells(t, zone) for t in page]
        if len(page) < size:
            return
        after = (page[-1].created_at, page[-1].id)


def usage_table(report: UsageReport) -> tuple[Cells, list[Cells]]:
    """Columns and rows of a usage report: a set of fee columns per currency met, then the totals row."""
    currencies = sorted({fee.currency for row in report.rows for fee in row.fees}
                        | {fee.currency for fee in report.totals.fees})
    header = ("period_start", "key", "label", "sessions", "energy_kwh", "drivers",
              *(f"{currency}_{part}" for currency in currencies for part in ("excl_vat", "vat", "incl_vat")))

    def fees(given: Sequence[Any]) -> list[Any]:
        by = {fee.currency: fee for fee in given}
        return [getattr(by[c], part) if c in by else None for c in currencies
                for part in ("excl_vat", "vat", "incl_vat")]

    rows: list[Cells] = [(row.period_start.isoformat(), str(row.key) if row.key else "", safe_text(row.label),
                          row.sessions, kwh(row.energy_wh), row.drivers, *fees(row.fees)) for row in report.rows]
    total = report.totals
    rows.append(("total", "", "", total.sessions, kwh(total.energy_wh), total.drivers, *fees(total.fees)))
    return header, rows


async def one_page(rows: list[Cells]) -> AsyncIterator[list[Cells]]:
    yield rows
