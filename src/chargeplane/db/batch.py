"""One group-commit batch: run its units, write their deferred rows, commit once, then answer them.

Units almost never fail, and a SAVEPOINT per unit costs more than most units (measured: ~140 µs of
session bookkeeping each). So a batch first runs without savepoints; if a unit raises, everything is
rolled back and the batch runs again with a savepoint per unit, so that only the failing unit's work
is lost. Units are plain database work and may run twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from chargeplane.db.bulk import BulkWrites
from chargeplane.db.scope import Scope
from chargeplane.db.tenancy import bind_scope
from chargeplane.db.uow import UnitOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")
UnitFn = Callable[[UnitOfWork], T]
EventSink = Callable[[Sequence[Any]], None]


@dataclass(slots=True)
class Job(Generic[T]):
    scope: Scope
    fn: UnitFn[T]
    future: asyncio.Future[T]
    result: Any = None
    error: BaseException | None = None
    events: list[Any] = field(default_factory=list)
    callbacks: list[Callable[[], None]] = field(default_factory=list)


def run_batch(session: Session, batch: Sequence[Job[Any]]) -> None:
    """Runs wherever the session lives (a writer thread, or the loop through greenlets)."""
    deferred = _run_units(session, batch, savepoints=False)
    if deferred is None:
        session.rollback()
        deferred = _run_units(session, batch, savepoints=True)
        assert deferred is not None
    if deferred:
        deferred.flush(session.connection())
    session.commit()


def _run_units(session: Session, batch: Sequence[Job[Any]], *, savepoints: bool) -> BulkWrites | None:
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


def finish_batch(batch: Sequence[Job[Any]], failure: BaseException | None, on_commit: EventSink) -> None:
    """On the event loop, after the commit (or its failure): after-commit callbacks, answers, events."""
    if failure is not None:  # the commit failed: nobody's work is durable
        log.error("group commit of %d units failed: %s", len(batch), failure)
        for job in batch:
            if not job.future.done():
                job.future.set_exception(failure)
        return
    events: list[Any] = []
    for job in batch:
        if job.error is None:
            for callback in job.callbacks:
                try:
                    callback()
                except Exception:
                    log.exception("an after-commit callback failed")
            events.extend(job.events)
        if job.future.done():
            continue  # the caller went away (cancelled); its work is committed anyway
        if job.error is not None:
            job.future.set_exception(job.error)
        else:
            job.future.set_result(job.result)
    if events:
        try:
            on_commit(events)
        except Exception:
            log.exception("publishing %d events failed", len(events))
