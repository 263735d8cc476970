"""The databases a benchmark run uses: a fresh one per run, counted while it runs, removed afterwards."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import asyncpg  # type: ignore[import-untyped]

from loadbench import processes

HOT_ROWS_SQL = ("SELECT (SELECT count(*) FROM meter_values), (SELECT count(*) FROM ocpp_messages)")
# What the zero-lost check compares with the clients' acknowledgements. The simulator's MeterValues
# carry context Sample.Periodic; StopTransaction's samples are Transaction.Begin/End.
DURABILITY_SQL = (
    "SELECT (SELECT count(*) FROM ocpp_messages WHERE direction = 'in' AND action = 'MeterValues'"
    " AND outcome = 'CallResult'),"
    " (SELECT count(*) FROM meter_values WHERE context = 'Sample.Periodic'),"
    " (SELECT count(*) FROM charging_sessions WHERE transaction_id IS NOT NULL)"
)


@dataclass(frozen=True, slots=True)
class HotRows:
    meter_values: int
    messages: int


@dataclass(frozen=True, slots=True)
class DurableRows:
    meter_values_messages: int   # MeterValues CALLs logged as answered with a CALLRESULT
    periodic_samples: int        # sampled values of MeterValues
    sessions: int                # sessions with a transactionId (StartTransactions answered)


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

    def _query(self, sql: str) -> tuple[int, ...]:
        connection = sqlite3.connect(self.path, timeout=30)
        try:
            row = connection.execute(sql).fetchone()
            return tuple(int(v) for v in row)
        finally:
            connection.close()

    async def hot_rows(self) -> HotRows:
        return HotRows(*await asyncio.to_thread(self._query, HOT_ROWS_SQL))

    async def durable_rows(self) -> DurableRows:
        return DurableRows(*await asyncio.to_thread(self._query, DURABILITY_SQL))

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

    async def _query(self, sql: str) -> tuple[int, ...]:
        connection = await asyncpg.connect(self.dsn)
        try:
            row = await connection.fetchrow(sql)
            assert row is not None
            return tuple(int(v) for v in row)
        finally:
            await connection.close()

    async def hot_rows(self) -> HotRows:
        return HotRows(*await self._query(HOT_ROWS_SQL))

    async def commits(self) -> int | None:
        """Transactions committed in this database: with the messages answered, the group commit's batch size."""
        (count,) = await self._query(
            f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{self.name}'")  # our own name, no input
        return count

    async def durable_rows(self) -> DurableRows:
        return DurableRows(*await self._query(DURABILITY_SQL))

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
