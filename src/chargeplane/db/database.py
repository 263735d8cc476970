"""`Database`: the one door to persistence for entry points (OCPP handlers, API routes, jobs).

Writes are group-committed: units of work submitted by many chargers and requests at about the same
time run one after another, each in its own savepoint, and are committed together. Each caller's
`await db.write(...)` returns only after that commit, so an acknowledgement never precedes
durability, while one fsync serves many messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

from chargeplane.db.bulk import BulkWrites
from chargeplane.db.runners import Runner, make_runner
from chargeplane.db.scope import Scope
from chargeplane.db.tenancy import bind_scope, install_gate
from chargeplane.db.uow import UnitOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")
UnitFn = Callable[[UnitOfWork], T]
EventSink = Callable[[Sequence[Any]], None]


@dataclass(slots=True)
class _Job(Generic[T]):
    scope: Scope
    fn: UnitFn[T]
    future: asyncio.Future[T]
    result: Any = None
    error: BaseException | None = None
    events: list[Any] = field(default_factory=list)
    callbacks: list[Callable[[], None]] = field(default_factory=list)


class Database:
    def __init__(self, url: str, *, max_batch: int = 512, on_commit: EventSink | None = None) -> None:
        install_gate()
        self.url = url
        self.runner: Runner = make_runner(url)
        self.max_batch = max_batch
        self.on_commit: EventSink = on_commit or (lambda _events: None)
        self._queue: deque[_Job[Any]] = deque()
        self._wake = asyncio.Event()
        self._batch_done = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.units = 0

    @property
    def dialect(self) -> str:
        return self.runner.dialect

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._commit_loop(), name="group-commit")

    async def close(self) -> None:
        if self._task is not None:
            while self._queue:  # let what was submitted commit
                self._batch_done.clear()
                await self._batch_done.wait()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.runner.close()

    async def write(self, scope: Scope, fn: UnitFn[T]) -> T:
        """Run `fn` in a unit of work and return its result once it is durably committed."""
        if self._task is None:
            raise RuntimeError("Database.start() has not been called")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append(_Job(scope, fn, future))
        self._wake.set()
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

    async def _commit_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch = [self._queue.popleft() for _ in range(min(self.max_batch, len(self._queue)))]
                try:
                    await self.runner.write(lambda session, b=batch: _run_batch(session, b))  # type: ignore[misc]
                except Exception as exc:  # the commit failed: nobody's work is durable
                    log.error("group commit of %d units failed: %s", len(batch), exc)
                    for job in batch:
                        if not job.future.done():
                            job.future.set_exception(exc)
                    continue
                self.batches += 1
                self.units += len(batch)
                events: list[Any] = []
                for job in batch:
                    if job.error is None:
                        _run_callbacks(job.callbacks)
                        events.extend(job.events)
                    if job.future.done():
                        continue  # the caller went away (cancelled); its work is committed anyway
                    if job.error is not None:
                        job.future.set_exception(job.error)
                    else:
                        job.future.set_result(job.result)
                if events:
                    try:
                        self.on_commit(events)
                    except Exception:
                        log.exception("publishing %d events failed", len(events))
            self._batch_done.set()


def _run_callbacks(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("an after-commit callback failed")


def _run_batch(session: Session, batch: list[_Job[Any]]) -> None:
    """Run every unit, then write the deferred rows and commit once.

    Units almost never fail, and a SAVEPOINT per unit costs more than most units (measured: ~140 µs of
    session bookkeeping each). So the batch first runs without savepoints; if a unit raises, everything
    is rolled back and the batch runs again with a savepoint per unit, so that only the failing unit's
    work is lost. Units are plain database work and may run twice."""
    deferred = _run_units(session, batch, savepoints=False)
    if deferred is None:
        session.rollback()
        deferred = _run_units(session, batch, savepoints=True)
        assert deferred is not None
    if deferred:
        deferred.flush(session.connection())
    session.commit()


def _run_units(session: Session, batch: list[_Job[Any]], *, savepoints: bool) -> BulkWrites | None:
    """None when a unit failed without savepoints (the caller starts over with them)."""
    deferred = BulkWrites()
    for job in batch:
        bind_scope(session, job.scope)
        uow = UnitOfWork(session, job.scope)
        job.result, job.error, job.events, job.callbacks = None, None, [], []
        try:
            if savepoints:
                with session.begin_nested():
                    job.result = job.fn(uow)
                    session.flush()
            else:
                job.result = job.fn(uow)
                session.flush()
            job.events, job.callbacks = uow.events, uow.callbacks
            deferred.extend(uow.deferred)
        except Exception as exc:
            if not savepoints:
                return None
            job.error = exc  # rolled back to its savepoint; the other units go on
        finally:
            # An empty identity map keeps one unit's objects (maybe of another tenant) from the next.
            session.expunge_all()
    return deferred
