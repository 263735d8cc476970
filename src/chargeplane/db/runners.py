"""Where a piece of sync ORM work runs.

Services are plain sync functions over a sync `Session`. A runner gives them one:
- a sync driver (SQLite's sqlite3, psycopg) runs the work in a thread, one hop per batch;
- an async driver (asyncpg, aiosqlite) runs it through `AsyncSession.run_sync` on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import Session

T = TypeVar("T")
Work = Callable[[Session], T]


class Runner(Protocol):
    """Reads and schema work; writes go through the committer that suits the runner (db/committers.py)."""

    dialect: str

    async def read(self, work: Work[T]) -> T: ...
    async def run_connection(self, work: Callable[[Any], T]) -> T: ...
    async def close(self) -> None: ...


def _sqlite_pragmas(engine: Engine, *, begin: str) -> None:
    """WAL for concurrent readers; synchronous=FULL so a commit survives power loss; our own BEGIN
    so that savepoints work and the writer takes the write lock up front."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=10000"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)


class ThreadRunner:
    """Sync driver: writes on the committer's thread (SQLite has one writer anyway), reads on a few
    reader threads, schema work on its own thread."""

    def __init__(self, url: str, *, readers: int = 4) -> None:
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {}
        if self.dialect == "sqlite":
            kwargs["connect_args"] = {"check_same_thread": False}
        # hide_parameters: a failing statement's values (tokens, hashes) never reach a log.
        self.write_engine = create_engine(url, pool_size=2, max_overflow=0, hide_parameters=True, **kwargs)
        self.read_engine = create_engine(url, pool_size=readers, max_overflow=0, hide_parameters=True, **kwargs)
        if self.dialect == "sqlite":
            _sqlite_pragmas(self.write_engine, begin="BEGIN IMMEDIATE")
            _sqlite_pragmas(self.read_engine, begin="BEGIN")
        self._schema = ThreadPoolExecutor(1, thread_name_prefix="db-schema")
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="db-read")

    async def read(self, work: Work[T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._readers, _in_session, self.read_engine, work)

    async def run_connection(self, work: Callable[[Any], T]) -> T:
        def _run() -> T:
            with self.write_engine.begin() as conn:
                return work(conn)

        return await asyncio.get_running_loop().run_in_executor(self._schema, _run)

    async def close(self) -> None:
        self._schema.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        self.write_engine.dispose()
        self.read_engine.dispose()


def _in_session(engine: Engine, work: Work[T]) -> T:
    with Session(engine, expire_on_commit=False, autoflush=True) as session:
        try:
            return work(session)
        finally:
            with contextlib.suppress(Exception):
                session.rollback()


class AsyncRunner:
    """Async driver: the sync work runs on the loop through greenlets (`run_sync`)."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"hide_parameters": True}
        if self.dialect != "sqlite":
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.dialect == "sqlite":
            _sqlite_pragmas(self.engine.sync_engine, begin="BEGIN IMMEDIATE")

    async def write(self, work: Work[T]) -> T:
        """A batch of writes, run on the loop (the LoopCommitter calls this)."""
        return await self._run(work)

    async def read(self, work: Work[T]) -> T:
        return await self._run(work)

    async def _run(self, work: Work[T]) -> T:
        async with AsyncSession(self.engine, expire_on_commit=False) as session:
            try:
                return await session.run_sync(work)
            finally:
                with contextlib.suppress(Exception):
                    await session.rollback()

    async def run_connection(self, work: Callable[[Any], T]) -> T:
        async with self.engine.begin() as conn:
            return await conn.run_sync(work)

    async def close(self) -> None:
        await self.engine.dispose()


def make_runner(url: str) -> Runner:
    driver = make_url(url).get_dialect()
    if getattr(driver, "is_async", False):
        return AsyncRunner(url)
    return ThreadRunner(url)
