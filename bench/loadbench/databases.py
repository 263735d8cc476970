"""The databases a benchmark run uses: a fresh one per run, counted while it runs, removed afterwards."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import asyncpg  # type: ignore[import-untyped]

from loadbench import processes

HOT_ROWS_SQL = "SELECT (SELECT count(*) FROM meter_values), (SELECT count(*) FROM ocpp_messages)"
COLUMNS_SQL = {
    "sqlite": "SELECT name FROM pragma_table_info('meter_values')",
    "postgres": "SELECT column_name FROM information_schema.columns WHERE table_name = 'meter_values'",
}
# What the zero-lost check compares with the clients' acknowledgements: MeterValues answered (in the
# message log), their readings and sampled values (in meter_values), sessions started. The benchmark's
# MeterValues are the only ones with context Sample.Periodic (StopTransaction's are Transaction.Begin/End).
MESSAGES_SQL = ("SELECT count(*) FROM ocpp_messages WHERE direction = 'in' AND action = 'MeterValues'"
                " AND outcome = 'CallResult'")
SESSIONS_SQL = "SELECT count(*) FROM charging_sessions WHERE transaction_id IS NOT NULL"
# The schema moves with the server's optimisation: a row per reading with its values as JSON, or
# (before 146eb92) a row per sampled value.
READINGS_SQL = {
    "sqlite": "SELECT count(*), coalesce(sum(json_array_length(sampled_values)), 0) FROM meter_values"
              " WHERE sampled_values LIKE '%Sample.Periodic%'",
    "postgres": "SELECT count(*), coalesce(sum(json_array_length(sampled_values::json)), 0) FROM meter_values"
                " WHERE sampled_values LIKE '%Sample.Periodic%'",
}
SAMPLE_ROWS_SQL = "SELECT NULL, count(*) FROM meter_values WHERE context = 'Sample.Periodic'"


@dataclass(frozen=True, slots=True)
class HotRows:
    meter_values: int
    messages: int


@dataclass(frozen=True, slots=True)
class DurableRows:
    meter_values_messages: int   # MeterValues CALLs logged as answered with a CALLRESULT
    readings: int | None         # their meterValue elements stored (None: a schema without readings)
    samples: int                 # their sampled values stored
    sessions: int                # sessions with a transactionId (StartTransactions answered)


def durability_queries(backend: str, columns: set[str]) -> list[str]:
    readings = READINGS_SQL[backend] if "sampled_values" in columns else SAMPLE_ROWS_SQL
    return [MESSAGES_SQL, readings, SESSIONS_SQL]


def durable_rows(values: list[tuple[int | None, ...]]) -> DurableRows:
    (messages,), (readings, samples), (sessions,) = values
    assert messages is not None and samples is not None and sessions is not None
    return DurableRows(messages, None if readings is None else int(readings), int(samples), sessions)


class BenchDatabase(Protocol):
    backend: str
    url: str                     # for CHARGEPLANE_DATABASE_URL

    async def create(self) -> None: ...
    async def drop(self) -> None: ...
    async def hot_rows(self) -> HotRows: ...
    async def durable_rows(self) -> DurableRows: ...
    async def cpu_seconds(self) -> dict[int, float]: ...
    async def commits(self) -> int | None: ...


class SqliteDatabase:
    """A file in the run's directory; the server's own threads do all its work (no CPU elsewhere)."""

    backend = "sqlite"

    def __init__(self, directory: Path, keep: bool = False) -> None:
        self.path = directory / "chargeplane-bench.db"
        self.url = f"sqlite:///{self.path}"
        self.keep = keep

    async def create(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    async def drop(self) -> None:
        if not self.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def _query(self, *sql: str) -> list[tuple[Any, ...]]:
        connection = sqlite3.connect(self.path, timeout=30)
        try:
            return [tuple(connection.execute(q).fetchone()) for q in sql]
        finally:
            connection.close()

    async def hot_rows(self) -> HotRows:
        (row,) = await asyncio.to_thread(self._query, HOT_ROWS_SQL)
        return HotRows(*row)

    async def durable_rows(self) -> DurableRows:
        def count() -> list[tuple[Any, ...]]:
            connection = sqlite3.connect(self.path, timeout=30)
            try:
                columns = {row[0] for row in connection.execute(COLUMNS_SQL["sqlite"])}
            finally:
                connection.close()
            return self._query(*durability_queries("sqlite", columns))

        return durable_rows(await asyncio.to_thread(count))

    async def cpu_seconds(self) -> dict[int, float]:
        return {}

    async def commits(self) -> int | None:
        return None  # SQLite keeps no such counter


class PostgresDatabase:
    """A database created for the run on an existing PostgreSQL server, dropped at the end."""

    backend = "postgres"

    def __init__(self, admin_dsn: str, keep: bool = False) -> None:
        self.admin_dsn = admin_dsn  # postgresql://user@host:port/postgres: where CREATE DATABASE runs
        self.name = f"chargeplane_bench_{secrets.token_hex(4)}"
        parts = urlsplit(admin_dsn)
        self.dsn = parts._replace(path=f"/{self.name}").geturl()
        self.url = parts._replace(scheme="postgresql+asyncpg", path=f"/{self.name}").geturl()
        self.keep = keep

    async def create(self) -> None:
        connection = await asyncpg.connect(self.admin_dsn)
        try:
            await connection.execute(f'CREATE DATABASE "{self.name}"')
        finally:
            await connection.close()

    async def drop(self) -> None:
        if self.keep:
            return
        connection = await asyncpg.connect(self.admin_dsn)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            await connection.close()

    async def _query(self, *sql: str) -> list[tuple[Any, ...]]:
        connection = await asyncpg.connect(self.dsn)
        try:
            return [tuple(await connection.fetchrow(q)) for q in sql]
        finally:
            await connection.close()

    async def hot_rows(self) -> HotRows:
        (row,) = await self._query(HOT_ROWS_SQL)
        return HotRows(*row)

    async def commits(self) -> int | None:
        """Transactions committed in this database: with the messages answered, the group commit's batch size."""
        # Our own generated name, no outside input.
        (row,) = await self._query(f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{self.name}'")
        return int(row[0])

    async def durable_rows(self) -> DurableRows:
        connection = await asyncpg.connect(self.dsn)
        try:
            columns = {row[0] for row in await connection.fetch(COLUMNS_SQL["postgres"])}
        finally:
            await connection.close()
        return durable_rows(await self._query(*durability_queries("postgres", columns)))

    async def cpu_seconds(self) -> dict[int, float]:
        """CPU time of the backends serving this database and of the processes that write for all of
        them (WAL writer, checkpointer, background writer): PostgreSQL's share of the machine."""
        connection = await asyncpg.connect(self.admin_dsn)
        try:
            rows = await connection.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1"
                " OR backend_type IN ('walwriter', 'checkpointer', 'background writer')", self.name)
        finally:
            await connection.close()
        return {row["pid"]: processes.cpu_seconds(row["pid"]) for row in rows}


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings by the processes of the second."""
    return sum(max(0.0, seconds - before.get(pid, 0.0)) for pid, seconds in after.items())
