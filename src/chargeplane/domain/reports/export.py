"""Writing report rows as CSV or XLSX while they arrive, so that a million rows never sit in memory:
CSV lines go out a page at a time; an XLSX workbook is written row by row (openpyxl's write-only mode
keeps only the row being written) into a temporary file that is then streamed and removed."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import openpyxl  # type: ignore[import-untyped]

FILE_CHUNK = 64 * 1024
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


MEDIA_TYPES = {Format.CSV: "text/csv; charset=utf-8",
               Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

Cells = Sequence[Any]


def safe_text(value: str | None) -> str:
    """Text as data: a spreadsheet must not take a card's label or a charger's name for a formula."""
    value = value or ""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _csv_lines(rows: Sequence[Cells]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if cell is None else cell.isoformat() if isinstance(cell, datetime) else cell
                         for cell in row])
    return out.getvalue().encode()


async def csv_stream(header: Cells, pages: AsyncIterator[Sequence[Cells]]) -> AsyncIterator[bytes]:
    """The header, then each page's lines as soon as the page is read."""
    yield b"\xef\xbb\xbf" + _csv_lines([header])  # the BOM: spreadsheets then read the file as UTF-8
    async for page in pages:
        if page:
            yield _csv_lines(page)


def _xlsx_cell(cell: Any) -> Any:
    if isinstance(cell, datetime):
        return cell.replace(tzinfo=None)  # Excel has no time zones: the caller gives local times
    if isinstance(cell, Decimal | int | float | str) or cell is None:
        return cell
    return str(cell)


async def xlsx_file(header: Cells, pages: AsyncIterator[Sequence[Cells]], *, title: str) -> str:
    """A workbook with one sheet of the rows, in a temporary file whose path is returned (the caller
    streams it with `file_chunks`, which removes it)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append(list(header))
    fd, path = tempfile.mkstemp(prefix="chargeplane-report-", suffix=".xlsx")
    os.close(fd)
    try:
        async for page in pages:
            for row in page:
                sheet.append([_xlsx_cell(cell) for cell in row])
        book.save(path)
    except BaseException:
        os.unlink(path)
        raise
    return path


def file_chunks(path: str) -> Iterator[bytes]:
    """The file's bytes a chunk at a time; the file is removed once read (or abandoned)."""
    try:
        with open(path, "rb") as f:
            while chunk := f.read(FILE_CHUNK):
                yield chunk
    finally:
        os.unlink(path)
