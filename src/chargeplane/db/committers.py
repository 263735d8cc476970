"""Who runs the batches.

- `ThreadCommitter` (sync drivers, SQLite): a writer thread that takes the next batch as soon as the
  last one committed, without waiting for the event loop; answers go back to the loop in one call per
  batch. Measured before it existed: the writer sat idle ~40 % of the time waiting for the busy loop
  to hand over the next batch.
- `LoopCommitter` (async drivers, PostgreSQL through asyncpg): a task on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from chargeplane.db.batch import EventSink, Job, finish_batch, run_batch

log = logging.getLogger(__name__)

RunBatch = Callable[[Callable[[Session], None]], Any]


class Committer(Protocol):
    batches: int
    units: int

    def submit(self, job: Job[Any]) -> None: ...
    async def drain(self) -> None: ...
    async def stop(self) -> None: ...


class ThreadCommitter:
    _STOP: Any = object()

    def __init__(self, engine: Engine, *, max_batch: int, on_commit: EventSink) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.on_commit = on_commit
        self.loop = asyncio.get_running_loop()
        self.batches = 0
        self.units = 0
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._pending = 0  # submitted, not yet answered; touched on the loop only
        self._drained = asyncio.Event()
        self._thread = threading.Thread(target=self._run, name="db-commit", daemon=True)
        self._thread.start()

    def submit(self, job: Job[Any]) -> None:
        self._pending += 1
        self._queue.put(job)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is self._STOP:
                return
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is self._STOP:
                    stop = True
                    break
                batch.append(job)
            failure: BaseException | None = None
            try:
                with Session(self.engine, expire_on_commit=False) as session:
                    try:
                        run_batch(session, batch)
                    except BaseException:
                        with contextlib.suppress(Exception):
                            session.rollback()
                        raise
            except Exception as exc:
                failure = exc
            self.loop.call_soon_threadsafe(self._finish, batch, failure)
            if stop:
                return

    def _finish(self, batch: list[Job[Any]], failure: BaseException | None) -> None:
        if failure is None:
            self.batches += 1
            self.units += len(batch)
        finish_batch(batch, failure, self.on_commit)
        self._pending -= len(batch)
        if self._pending == 0:
            self._drained.set()

    async def drain(self) -> None:
        while self._pending:
            self._drained.clear()
            await self._drained.wait()

    async def stop(self) -> None:
        await self.drain()
        self._queue.put(self._STOP)
        await asyncio.to_thread(self._thread.join)


class LoopCommitter:
    def __init__(self, run: RunBatch, *, max_batch: int, on_commit: EventSink) -> None:
        self.run = run
        self.max_batch = max_batch
        self.on_commit = on_commit
        self.batches = 0
        self.units = 0
        self._queue: deque[Job[Any]] = deque()
        self._wake = asyncio.Event()
        self._drained = asyncio.Event()
        self._task = asyncio.create_task(self._loop(), name="group-commit")

    def submit(self, job: Job[Any]) -> None:
        self._queue.append(job)
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch = [self._queue.popleft() for _ in range(min(self.max_batch, len(self._queue)))]
                failure: BaseException | None = None
                try:
                    await self.run(lambda session, b=batch: run_batch(session, b))  # type: ignore[misc]
                except Exception as exc:
                    failure = exc
                else:
                    self.batches += 1
                    self.units += len(batch)
                finish_batch(batch, failure, self.on_commit)
            self._drained.set()

    async def drain(self) -> None:
        while self._queue:
            self._drained.clear()
            await self._drained.wait()

    async def stop(self) -> None:
        await self.drain()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
