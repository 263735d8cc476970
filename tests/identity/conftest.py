"""The identity tests run the real app with a hand-moved clock (link and session expiry, throttling
windows, TOTP steps)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chargeplane.config import Settings
from chargeplane.domain.clock import ManualClock
from tests.support.server import RunningApp


@pytest.fixture
def running_app(app_settings: Settings, clock: ManualClock) -> Iterator[RunningApp]:
    running = RunningApp(app_settings, clock=clock).start()
    yield running
    running.stop()
