"""INSERT ... ON CONFLICT DO NOTHING for SQLite and PostgreSQL alike (retried messages write once)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignoring_duplicates(
    session: Session, model: type[Any], rows: Sequence[dict[str, Any]], *, unique: Sequence[str]
) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(model).on_conflict_do_nothing(index_elements=list(unique))
    session.execute(stmt, list(rows))
