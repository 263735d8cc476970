"""The unit of work services receive. Services never commit: the entry point's `Database.write`
does, once, and publishes the collected domain events only after the commit succeeded."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from chargeplane.db.bulk import BulkWrites
from chargeplane.db.scope import Scope
from chargeplane.db.tenancy import bind_scope, stamp_rows


class UnitOfWork:
    __slots__ = ("callbacks", "deferred", "events", "scope", "session")

    def __init__(self, session: Session, scope: Scope) -> None:
        self.session = session
        self.scope = scope
        self.events: list[Any] = []
        self.callbacks: list[Callable[[], None]] = []
        self.deferred = BulkWrites()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` on the event loop once this unit is committed (never if it is not): for
        in-memory state that must agree with the database, such as a cache of what was just written."""
        self.callbacks.append(callback)

    def insert_later(self, table: Table, rows: Sequence[dict[str, Any]], *,
                     ignore_conflicts_on: tuple[str, ...] = ()) -> None:
        """Insert rows of a hot table with the rest of the batch, before the commit, in one statement.

        Rows that clash with `ignore_conflicts_on` (a unique key) are skipped: the re-sent message case.
        Nobody can read these rows before the unit ends; they are written only if the unit succeeds."""
        stamp_rows(self.scope, table, rows)
        self.deferred.insert(table, rows, ignore_conflicts_on)

    def update_later(self, table: Table, rows: Sequence[dict[str, Any]], *, columns: tuple[str, ...]) -> None:
        """Set `columns` of the rows with these ids with the rest of the batch, in one statement.

        For frequent, unconditional updates (a charger's last-seen time); the tenant joins the WHERE."""
        stamp_rows(self.scope, table, rows)
        self.deferred.update(table, rows, columns)

    def upsert_later(self, table: Table, rows: Sequence[dict[str, Any]], *, key: tuple[str, ...],
                     unless_older_by: str) -> None:
        """Insert the rows, or update the existing row with the same `key`, with the rest of the batch;
        an update whose `unless_older_by` value is older than the stored one changes nothing."""
        stamp_rows(self.scope, table, rows)
        self.deferred.upsert(table, rows, key, unless_older_by)

    @property
    def tenant_id(self) -> uuid.UUID:
        if self.scope.tenant_id is None:
            raise RuntimeError("this operation needs a tenant scope")
        return self.scope.tenant_id

    @contextmanager
    def widened(self) -> Iterator[None]:
        """The whole tenant for a moment, for one of the domain's own rules that must look past the
        caller's accounts (the roles a user holds elsewhere). Only plain values should leave it, never
        objects the caller could then change; pending changes are checked at the caller's own flush."""
        narrowed = self.scope
        with self.session.no_autoflush:
            bind_scope(self.session, narrowed.widened())
            try:
                yield
            finally:
                bind_scope(self.session, narrowed)

    def publish(self, event: Any) -> None:
        """Queue a domain event; it leaves the process only if the unit commits."""
        self.events.append(event)
