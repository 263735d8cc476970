from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator

import pytest

from chargeplane.config import Settings
from chargeplane.db import Database
from chargeplane.db.migrate import upgrade
from chargeplane.domain.clock import ManualClock
from tests.jobs.webhook_receiver import Receiver
from tests.messaging.support import SmtpServer
from tests.services import create_database, drop_database, server_url_from, throwaway_postgres
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle, api_client, create_tenant

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    named = os.environ.get("CHARGEPLANE_TEST_POSTGRES_URL")
    if named:
        yield server_url_from(named)
    else:
        with throwaway_postgres() as url:
            yield url


@pytest.fixture(scope="session")
def postgres_database(postgres_server: str) -> Iterator[str]:
    url = asyncio.run(create_database(postgres_server))
    yield url
    asyncio.run(drop_database(postgres_server, url))


@pytest.fixture
def fresh_postgres_database(postgres_server: str) -> Iterator[str]:
    url = asyncio.run(create_database(postgres_server))
    yield url
    asyncio.run(drop_database(postgres_server, url))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/chargeplane.db"
    url: str = request.getfixturevalue("postgres_database")
    return url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated database without the app, for tests of the persistence layer and of jobs."""
    database = Database(database_url)
    await database.start()
    await upgrade(database)
    yield database
    await database.close()


def test_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "log_level": "WARNING",
        # Argon2id all the same, with less memory, so that tests register chargers quickly.
        "password_hash_memory_kib": 1024,
        "password_hash_time_cost": 1,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) that keeps what it receives."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when the test says (hand it to RunningApp)."""
    return ManualClock()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server that receives webhooks."""
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def app_settings(database_url: str) -> Settings:
    return test_settings(database_url)


@pytest.fixture
def running_app(app_settings: Settings) -> Iterator[RunningApp]:
    running = RunningApp(app_settings).start()
    yield running
    running.stop()


@pytest.fixture
async def tenant(running_app: RunningApp) -> AsyncIterator[TenantHandle]:
    tenant_id, slug, key = await create_tenant(running_app)
    async with api_client(running_app, key) as api:
        yield TenantHandle(tenant_id, slug, key, api)


@pytest.fixture
async def other_tenant(running_app: RunningApp) -> AsyncIterator[TenantHandle]:
    tenant_id, slug, key = await create_tenant(running_app)
    async with api_client(running_app, key) as api:
        yield TenantHandle(tenant_id, slug, key, api)
