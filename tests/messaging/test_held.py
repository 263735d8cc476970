"""Without an SMTP server, emails stay in the outbox as held and their text goes to the log (the demo
reads links there); in production the live links stay out of the log."""

from __future__ import annotations

import logging

import pytest

from chargeplane.config import Settings
from tests.conftest import test_settings as settings_for
from tests.messaging.support import wait_for_status
from tests.messaging.test_delivery import queue
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


@pytest.fixture(params=["development", "production"])
def environment(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def app_settings(database_url: str, environment: str) -> Settings:
    return settings_for(database_url, environment=environment)  # no SMTP host


async def test_email_without_smtp_is_held_and_logged(running_app: RunningApp, tenant: TenantHandle,
                                                     environment: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="chargeplane.jobs.delivery")
    message_id = await queue(running_app, tenant.id, recipient="demo@example.test", template="invitation")
    row = await wait_for_status(running_app, tenant.id, message_id, "held")
    assert row.sent_at is None and row.next_attempt_at is None
    assert "https://portal.example/x" in row.body
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "chargeplane.jobs.delivery")
    assert "demo@example.test" in logged and "Ann invited you to Acme on Volt" in logged
    assert ("https://portal.example/x" in logged) is (environment == "development")
