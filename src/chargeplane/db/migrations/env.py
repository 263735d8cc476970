"""Alembic environment: runs on the connection `db.migrate` hands over (sync or async driver alike)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from chargeplane.db.base import Base
from chargeplane.domain import registry  # noqa: F401 - registers every table

target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _configure(connection)
else:  # `alembic revision --autogenerate` during development
    url = context.config.get_main_option("sqlalchemy.url") or "sqlite:///./chargeplane.db"
    with create_engine(url).connect() as conn:
        _configure(conn)
        conn.commit()
