"""`Database`: the one door to persistence for entry points (OCPP handlers, API routes, jobs).

Writes are group-committed: units of work submitted by many chargers and requests at about the same
time run one after another and are committed together (`db/batch.py`, `db/committers.py`). Each
caller's `await db.write(...)` returns only after that commit, so an acknowledgement never precedes
durability, while one fsync serves many messages.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

from chargeplane.db.batch import EventSink, Job, UnitFn
from chargeplane.db.committers import Committer, LoopCommitter, ThreadCommitter
from chargeplane.db.runners import AsyncRunner, Runner, ThreadRunner, make_runner
from chargeplane.db.scope import Scope
from chargeplane.db.tenancy import bind_scope, install_gate
from chargeplane.db.uow import UnitOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")


def _hooked(fn: UnitFn[T], hook: Callable[[UnitOfWork], None]) -> UnitFn[T]:
    def unit(uow: UnitOfWork) -> T:
        result = fn(uow)
        if uow.events:
            hook(uow)
        return result

    return unit


class Database:
    def __init__(self, url: str, *, max_batch: int = 512, on_commit: EventSink | None = None) -> None:
        install_gate()
        self.url = url
        self.runner: Runner = make_runner(url)
        self.max_batch = max_batch
        self.on_commit: EventSink = on_commit or (lambda _events: None)
        # Runs at the end of every write unit that published events, in its transaction: what must be
        # written together with the events (webhook deliveries). Set by the app.
        self.unit_hook: Callable[[UnitOfWork], None] | None = None
        self._committer: Committer | None = None

    @property
    def dialect(self) -> str:
        return self.runner.dialect

    @property
    def batches(self) -> int:
        return self._committer.batches if self._committer else 0

    @property
    def units(self) -> int:
        return self._committer.units if self._committer else 0

    async def start(self) -> None:
        if self._committer is not None:
            return
        if isinstance(self.runner, ThreadRunner):
            self._committer = ThreadCommitter(self.runner.write_engine, max_batch=self.max_batch,
                                              on_commit=self._publish)
        else:
            assert isinstance(self.runner, AsyncRunner)
            self._committer = LoopCommitter(self.runner.write, max_batch=self.max_batch, on_commit=self._publish)

    def _publish(self, events: Any) -> None:
        self.on_commit(events)

    async def close(self) -> None:
        if self._committer is not None:
            await self._committer.stop()  # what was submitted commits first
            self._committer = None
        await self.runner.close()

    async def write(self, scope: Scope, fn: UnitFn[T]) -> T:
        """Run `fn` in a unit of work and return its result once it is durably committed."""
        if self._committer is None:
            raise RuntimeError("Database.start() has not been called")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._committer.submit(Job(scope, fn if self.unit_hook is None else _hooked(fn, self.unit_hook), future))
        return await future

    async def read(self, scope: Scope, fn: UnitFn[T]) -> T:
        """Run `fn` for reading; whatever it changes is rolled back."""

        def work(session: Session) -> T:
            bind_scope(session, scope)
            return fn(UnitOfWork(session, scope))

        return await self.runner.read(work)

    async def ping(self) -> bool:
        def work(conn: Any) -> bool:
            return bool(conn.execute(text("SELECT 1")).scalar() == 1)

        try:
            return await asyncio.wait_for(self.runner.run_connection(work), timeout=5)
        except Exception:  # any failure means "not healthy"; the caller reports it
            log.warning("database ping failed", exc_info=True)
            return False
