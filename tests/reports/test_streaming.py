"""Exports stream: 60,000 transactions leave as CSV in the memory that an eighth of them takes, the first
lines out before the second page is read; and as an XLSX workbook written row by row, read back whole."""

from __future__ import annotations

import io
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import openpyxl  # type: ignore[import-untyped]
from sqlalchemy import insert

from chargeplane.db import Database, Scope, UnitOfWork
from chargeplane.db.tenancy import stamp_rows
from chargeplane.domain.pricing.models import ChargeDetailRecord
from chargeplane.domain.reports.export import csv_stream, file_chunks, xlsx_file
from chargeplane.domain.reports.periods import DayRange
from chargeplane.domain.reports.tables import TRANSACTION_COLUMNS, transaction_pages
from chargeplane.domain.reports.transactions import TransactionSearch
from chargeplane.domain.sessions.models import ChargingSession
from chargeplane.domain.tenancy import service as tenancy

T = TypeVar("T")
ROWS = 60_000
BATCH = 5_000
T0 = datetime(2025, 1, 1, tzinfo=UTC)


async def _load(db: Database) -> Scope:
    def make(uow: UnitOfWork) -> uuid.UUID:
        return tenancy.create_tenant(uow, name="Big", slug=f"big-{uuid.uuid4().hex[:8]}").id

    scope = Scope.tenant(await db.write(Scope.installation("test"), make))
    for first in range(0, ROWS, BATCH):
        sessions, cdrs = [], []
        for n in range(first, first + BATCH):
            at = T0 + timedelta(minutes=n)
            sid = uuid.uuid4()
            sessions.append({"id": sid, "transaction_id": n + 1, "charge_point_identity": f"CP-{n % 97:04d}",
                             "connector_id": 1, "id_tag": f"TAG{n % 1000:05d}", "meter_start_wh": 0,
                             "meter_stop_wh": 1000 + n % 5000, "energy_wh": 1000 + n % 5000, "started_at": at,
                             "stopped_at": at + timedelta(minutes=40), "state": "completed", "status": "normal",
                             "created_at": at, "updated_at": at})
            cost = Decimal(n % 900) / 100
            cdrs.append({"id": uuid.uuid4(), "session_id": sid, "version": 1, "currency": "EUR", "periods": [],
                         "lines": [], "total_excl_vat": cost, "total_vat": Decimal(0), "total_incl_vat": cost,
                         "total_energy_wh": 1000 + n % 5000, "total_time_s": 2400, "total_parking_s": 0,
                         "charge_point_identity": f"CP-{n % 97:04d}", "created_at": at, "signed_data": []})

        def write(uow: UnitOfWork, sessions: list[dict[str, Any]] = sessions,
                  cdrs: list[dict[str, Any]] = cdrs) -> None:
            for table, rows in ((ChargingSession.__table__, sessions), (ChargeDetailRecord.__table__, cdrs)):
                stamp_rows(uow.scope, table, rows)  # type: ignore[arg-type]
                uow.session.execute(insert(table), rows)

        await db.write(scope, write)
    return scope


def _reader(db: Database, scope: Scope, reads: list[int]) -> Callable[[Callable[[UnitOfWork], T]], Any]:
    async def read(fn: Callable[[UnitOfWork], T]) -> T:
        reads.append(1)
        return await db.read(scope, fn)

    return read


async def _csv_export(db: Database, scope: Scope, zone: ZoneInfo, search: TransactionSearch
                      ) -> tuple[int, int, int, int, int]:
    """(bytes written, lines, pages read, pages read when the first rows left, peak traced memory)."""
    reads: list[int] = []
    pages = transaction_pages(_reader(db, scope, reads), search, zone, size=1000)
    tracemalloc.start()
    try:
        written, lines, reads_at_first_rows = 0, 0, 0
        async for chunk in csv_stream(TRANSACTION_COLUMNS, pages):
            written += len(chunk)
            lines += chunk.count(b"\n")
            if not reads_at_first_rows and lines > 1:
                reads_at_first_rows = len(reads)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return written, lines, len(reads), reads_at_first_rows, peak


async def test_sixty_thousand_rows_stream_in_bounded_memory(db: Database) -> None:
    scope = await _load(db)
    zone = ZoneInfo("Europe/Oslo")
    # A tenth of the rows first (it also warms what every query compiles once).
    tenth = DayRange(date(2025, 1, 1), (T0 + timedelta(minutes=ROWS // 10 - 1)).astimezone(zone).date(), zone.key)
    await _csv_export(db, scope, zone, TransactionSearch(days=tenth))
    small_written, small_lines, _, _, small_peak = await _csv_export(db, scope, zone, TransactionSearch(days=tenth))
    written, lines, reads, reads_at_first_rows, peak = await _csv_export(db, scope, zone, TransactionSearch())
    assert lines == ROWS + 1 and reads == ROWS // 1000 + 1  # the last page is empty: the end
    assert small_lines > ROWS // 10 and written > 8 * small_written  # whole local days: 7,140 rows
    assert reads_at_first_rows == 1  # the first lines left after one page, not after all of them
    # Eight times the rows, not eight times the memory: what a page of rows holds (some MB), whatever the total.
    assert peak < 1.5 * small_peak, (written, peak, small_peak)

    # The workbook too, row by row into its file (traced, it takes minutes: its memory is openpyxl's
    # write-only mode's business); read back whole.
    path = await xlsx_file(TRANSACTION_COLUMNS, transaction_pages(_reader(db, scope, []), TransactionSearch(), zone,
                                                                  size=1000), title="transactions")
    content = b"".join(file_chunks(path))
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    rows = book.worksheets[0].iter_rows(values_only=True)
    assert next(rows) == TRANSACTION_COLUMNS
    first = next(rows)  # newest first
    assert first[2] == f"CP-{(ROWS - 1) % 97:04d}" and first[8] == (T0 + timedelta(minutes=ROWS - 1)).astimezone(
        zone).replace(tzinfo=None)
    assert sum(1 for _ in rows) == ROWS - 1
