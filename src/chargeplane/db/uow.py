"""The unit of work services receive. Services never commit: the entry point's `Database.write`
does, once, and publishes the collected domain events only after the commit succeeded."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from chargeplane.db.scope import Scope


class UnitOfWork:
    __slots__ = ("events", "scope", "session")

    def __init__(self, session: Session, scope: Scope) -> None:
        self.session = session
        self.scope = scope
        self.events: list[Any] = []

    @property
    def tenant_id(self) -> uuid.UUID:
        if self.scope.tenant_id is None:
            raise RuntimeError("this operation needs a tenant scope")
        return self.scope.tenant_id

    def publish(self, event: Any) -> None:
        """Queue a domain event; it leaves the process only if the unit commits."""
        self.events.append(event)
