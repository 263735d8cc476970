"""Reading an uploaded CSV or XLSX file as rows keyed by its header's column names, and the
all-or-nothing rejection that batch imports (cards, sites) answer with, row by row."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import openpyxl  # type: ignore[import-untyped]
from pydantic_core import ErrorDetails

from chargeplane.domain.errors import N_, DomainError, Invalid

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 10_000
MAX_REPORTED_ERRORS = 1_000
XLSX_TYPES = frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"})


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # in the file, the header being row 1
    column: str | None
    message: str  # in English, as the API answers
    # What the message was made of, for the portal to say it in the viewer's language: a domain
    # error (its template and details) or one of pydantic's errors (its type and context).
    cause: DomainError | ErrorDetails | None = field(default=None, compare=False)

    @classmethod
    def of(cls, row: int, column: str | None, problem: DomainError) -> RowError:
        # Without its traceback, which would keep the import's frames alive with the error.
        return cls(row, column, problem.message, problem.with_traceback(None))


class ImportRejected(Invalid):
    """Nothing was imported; `errors` says why, row by row."""

    def __init__(self, errors: list[RowError]) -> None:
        shown = errors[:MAX_REPORTED_ERRORS]
        if len(errors) > len(shown):
            super().__init__(N_("nothing was imported: %(count)s problem(s) in the file (the first %(shown)s are "
                                "listed)"), count=len(errors), shown=len(shown))
        else:
            super().__init__(N_("nothing was imported: %(count)s problem(s) in the file"), count=len(errors))
        self.errors = shown


def file_format(filename: str | None, content_type: str | None, *, what: str = "rows") -> str:
    name = (filename or "").lower()
    kind = (content_type or "").split(";")[0].strip().lower()
    if name.endswith(".xlsx") or kind in XLSX_TYPES:
        return "xlsx"
    if name.endswith(".csv") or kind in CSV_TYPES:
        return "csv"
    raise Invalid("send the %(what)s as a CSV (.csv, text/csv) or Excel (.xlsx) file", field="file", what=what)


def read_table(content: bytes, *, filename: str | None, content_type: str | None, columns: Sequence[str],
               what: str) -> list[tuple[int, dict[str, str]]]:
    """The file's data rows (blank ones skipped) as (row number, {column: non-empty value})."""
    if len(content) > MAX_IMPORT_BYTES:
        raise Invalid("the file is larger than %(maximum)s MiB", field="file",
                      maximum=MAX_IMPORT_BYTES // (1024 * 1024))
    kind = file_format(filename, content_type, what=what)
    table = _xlsx_table(content) if kind == "xlsx" else _csv_table(content)
    header = next(table, None)
    if header is None:
        raise Invalid("the file is empty: its first row must name the columns", field="file")
    names = [name.strip().lower() for name in header]
    unknown = [name for name in names if name and name not in columns]
    if unknown or len(set(names) - {""}) != len([n for n in names if n]) or not any(names):
        if unknown:
            raise Invalid("the first row must name the columns, each once, from: %(columns)s (unknown: %(unknown)s)",
                          field="file", columns=", ".join(columns), unknown=", ".join(unknown))
        raise Invalid("the first row must name the columns, each once, from: %(columns)s", field="file",
                      columns=", ".join(columns))
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(table, start=2):
        values = {name: cell.strip() for name, cell in zip(names, cells, strict=False) if name and cell.strip()}
        if not values:
            continue
        if len(rows) == MAX_IMPORT_ROWS:
            raise Invalid("the file has more than %(maximum)s rows: split it", field="file", maximum=MAX_IMPORT_ROWS)
        rows.append((number, values))
    if not rows:
        raise Invalid("the file has no %(what)s under its header row", field="file", what=what)
    return rows


def _csv_table(content: bytes) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("the CSV file must be UTF-8 text", field="file") from None
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in many locales write ";" between columns.
    delimiter = max(",;\t", key=first_line.count)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as problem:
        raise Invalid("the CSV file cannot be read: %(reason)s", field="file", reason=str(problem)) from None


def _xlsx_table(content: bytes) -> Iterator[list[str]]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise Invalid("the file is not a readable XLSX workbook", field="file") from None
    try:
        for cells in book.worksheets[0].iter_rows(values_only=True):
            yield [_cell_text(cell) for cell in cells]
    finally:
        book.close()


def _cell_text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return (cell if cell.tzinfo else cell.replace(tzinfo=UTC)).isoformat()
    if isinstance(cell, date):
        return datetime.combine(cell, time(), UTC).isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # a card number typed into a cell becomes a number
    return str(cell)
