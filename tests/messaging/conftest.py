"""The app with a real SMTP server and a hand-moved clock, for messaging and invitation tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chargeplane.config import Settings
from chargeplane.domain.clock import ManualClock
from tests.conftest import test_settings
from tests.messaging.support import SmtpServer
from tests.support.server import RunningApp


@pytest.fixture
def app_settings(database_url: str, smtp: SmtpServer) -> Settings:
    return test_settings(database_url, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False,
                         public_url="https://portal.example", delivery_max_attempts=3, delivery_retry_seconds=30)


@pytest.fixture
def running_app(app_settings: Settings, clock: ManualClock) -> Iterator[RunningApp]:
    running = RunningApp(app_settings, clock=clock).start()
    yield running
    running.stop()
