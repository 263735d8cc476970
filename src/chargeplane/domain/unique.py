"""Adding a row that a unique key may refuse, answered as a domain Conflict instead of a database error."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import Conflict

T = TypeVar("T")


def add_unique(uow: UnitOfWork, row: T, conflict: Conflict) -> T:
    """Insert `row` now, in its own savepoint, so that a clash leaves the rest of the unit intact."""
    uow.session.add(row)
    try:
        with uow.session.begin_nested():
            uow.session.flush()
    except IntegrityError:
        raise conflict from None
    return row
