"""The app with a real SMTP server and a hand-moved clock (the payer's email), and a portal admin."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chargeplane.db import Database
from tests.billing.support import hold_emails
from tests.messaging.conftest import app_settings, running_app
from tests.portal.conftest import admin

__all__ = ["admin", "app_settings", "running_app"]


@pytest.fixture
async def db(db: Database) -> AsyncIterator[Database]:
    """The migrated database, its invoice emails held afterwards (see `hold_emails`)."""
    yield db
    await hold_emails()
