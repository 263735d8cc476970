from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chargeplane.db import Database
from chargeplane.db.migrate import upgrade


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.start()
    await upgrade(database)
    yield database
    await database.close()
