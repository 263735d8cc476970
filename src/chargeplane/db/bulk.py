"""Batched inserts for the hot tables (message log, meter values, status history).

Units of work on the OCPP hot path hand their rows to the unit of work instead of executing an
INSERT each; the group commit inserts every row of a batch with one executemany per table, just
before its commit. The statement is compiled once per dialect and table, and values go through the
columns' own SQLAlchemy bind processors, so the stored values are exactly what the ORM would store.
Measured (SQLite, 10 rows): an ORM bulk insert costs ~200 µs per call, an uncacheable ON CONFLICT
insert ~300 µs; this path costs a few µs per row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    keys: tuple[str, ...]
    processors: tuple[Processor, ...]
    positional: bool


_compiled: dict[tuple[str, str, str, tuple[str, ...]], _Compiled] = {}


def _insert_columns(table: Table) -> tuple[str, ...]:
    return tuple(c.key for c in table.columns if not (c.primary_key and c.autoincrement is not False
                                                       and c.key == "id" and c.type.python_type is int))


def _compile(dialect: Dialect, table: Table, conflict: tuple[str, ...]) -> _Compiled:
    cache_key = (dialect.name, dialect.driver, table.name, conflict)
    found = _compiled.get(cache_key)
    if found is not None:
        return found
    keys = _insert_columns(table)
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table).inline()  # no RETURNING: nobody needs the ids of these rows
    if conflict:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict))
    compiled = stmt.compile(dialect=dialect, column_keys=list(keys))
    order = tuple(compiled.positiontup) if compiled.positiontup else keys
    processors = tuple(table.c[key].type._cached_bind_processor(dialect) for key in order)
    result = _Compiled(str(compiled), order, processors, bool(compiled.positiontup))
    _compiled[cache_key] = result
    return result


class BulkInserts:
    """The rows a batch defers, grouped by table; `flush` writes them inside the batch's transaction."""

    def __init__(self) -> None:
        self._rows: dict[tuple[Table, tuple[str, ...]], list[dict[str, Any]]] = {}

    def __bool__(self) -> bool:
        return bool(self._rows)

    def add(self, table: Table, rows: Sequence[dict[str, Any]], conflict: tuple[str, ...] = ()) -> None:
        self._rows.setdefault((table, conflict), []).extend(rows)

    def extend(self, other: BulkInserts) -> None:
        for (table, conflict), rows in other._rows.items():
            self.add(table, rows, conflict)

    def flush(self, connection: Connection) -> int:
        written = 0
        for (table, conflict), rows in self._rows.items():
            compiled = _compile(connection.dialect, table, conflict)
            params: list[Any] = []
            for row in rows:
                values = [row[key] if proc is None or row[key] is None else proc(row[key])
                          for key, proc in zip(compiled.keys, compiled.processors, strict=True)]
                params.append(tuple(values) if compiled.positional else dict(zip(compiled.keys, values, strict=True)))
            connection.exec_driver_sql(compiled.sql, params)
            written += len(rows)
        self._rows.clear()
        return written
