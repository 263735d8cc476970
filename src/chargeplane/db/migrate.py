"""Bring the schema up to date (or down) with the one Alembic tree in `db/migrations`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

from chargeplane.db.database import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Any = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


async def upgrade(db: Database, revision: str = "head") -> None:
    await db.runner.run_connection(lambda conn: command.upgrade(alembic_config(conn), revision))


async def downgrade(db: Database, revision: str) -> None:
    await db.runner.run_connection(lambda conn: command.downgrade(alembic_config(conn), revision))


async def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def read(conn: Any) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    return await db.runner.run_connection(read)
