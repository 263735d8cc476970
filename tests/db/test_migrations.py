"""One Alembic tree; upgrade and downgrade on both databases, and the models match the migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from chargeplane.db import Base, Database
from chargeplane.db.migrate import current_revision, downgrade, upgrade
from chargeplane.domain import registry  # noqa: F401


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/migrations.db"
    url: str = request.getfixturevalue("fresh_postgres_database")
    return url


def _tables(conn: Any) -> set[str]:
    return set(inspect(conn).get_table_names()) - {"alembic_version"}


async def test_upgrade_downgrade_upgrade(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    await db.start()
    try:
        assert await db.runner.run_connection(_tables) == set()
        await upgrade(db)
        assert await current_revision(db) is not None
        assert await db.runner.run_connection(_tables) == set(Base.metadata.tables)
        diff = await db.runner.run_connection(
            lambda conn: compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                          Base.metadata))
        assert diff == [], f"the models and the migrations disagree: {diff}"
        await downgrade(db, "base")
        assert await db.runner.run_connection(_tables) == set()
        await upgrade(db)
        assert await db.runner.run_connection(_tables) == set(Base.metadata.tables)
    finally:
        await db.close()
