"""Browser tests: the real app (a real SMTP server, live parts quick to update, no map tiles from the
internet) on SQLite and PostgreSQL, driven by Debian's Chromium through Playwright's sync API.

Tests are plain `def test_...` functions (the sync API cannot run inside an asyncio loop; the app runs
on its own loop in its own thread: `running_app.run(coro)`), marked `pytest.mark.browser`. When one
fails, a screenshot and the HTML of every page it opened are saved under
/tmp/chargeplane-browser-failures/ and their paths printed with the failure.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from chargeplane.config import Settings
from tests.browser.browsers import FAILURES, TIMEOUT_MS, Chromium, Pages, save_failure
from tests.browser.chargers import Chargers
from tests.browser.mail import PUBLIC_URL, Mail
from tests.conftest import test_settings
from tests.messaging.support import SmtpServer, open_tenant
from tests.support.server import RunningApp
from tests.support.tenants import create_tenant

expect.set_options(timeout=TIMEOUT_MS)


@dataclass
class BrowserTenant:
    """A tenant opened for people (terms and privacy links, all five languages), with its API key."""

    id: uuid.UUID
    slug: str
    api: httpx.Client


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    browser = Chromium()
    yield browser
    browser.close()


@pytest.fixture
def app_settings(database_url: str, smtp: SmtpServer) -> Settings:
    return test_settings(database_url, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False,
                         public_url=PUBLIC_URL, portal_live_interval=0.3, portal_map_tiles="")


@pytest.fixture
def tenant(running_app: RunningApp) -> Iterator[BrowserTenant]:
    tenant_id, slug, key = running_app.run(create_tenant(running_app))
    running_app.run(open_tenant(running_app, tenant_id))
    with httpx.Client(base_url=running_app.http_url, headers={"Authorization": f"Bearer {key}"},
                      timeout=30) as api:
        yield BrowserTenant(tenant_id, slug, api)


@pytest.fixture
def mail(running_app: RunningApp, smtp: SmtpServer) -> Mail:
    return Mail(running_app, smtp)


@pytest.fixture
def chargers(running_app: RunningApp) -> Iterator[Chargers]:
    simulated = Chargers(running_app)
    yield simulated
    simulated.stop_all()


@pytest.fixture
def browser_pages(chromium: Chromium, running_app: RunningApp) -> Iterator[Pages]:
    """`browser_pages.new(locale=..., phone=...)`: a page in a fresh context (a person of its own)."""
    with chromium.in_use() as browser:
        pages = Pages(browser, running_app.http_url)
        try:
            yield pages
        finally:
            pages.close()


@pytest.fixture
def page(browser_pages: Pages) -> Page:
    """A desktop page in English."""
    return browser_pages.new()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    pages = getattr(item, "funcargs", {}).get("browser_pages")
    if report.when != "call" or not report.failed or not isinstance(pages, Pages):
        return
    lines = []
    for n, opened in enumerate(pages.open_pages, start=1):
        try:
            image, html = save_failure(opened, f"{item.nodeid}-{n}")
            lines.append(f"{opened.url}\n  {image}\n  {html}")
        except Exception as exc:  # a crashed page must not hide the test's own failure
            lines.append(f"{opened.url}: not saved ({exc})")
    report.sections.append(("browser pages at the failure", "\n".join(lines) or "no page was open"))
    terminal = item.config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None:
        terminal.write_line(f"\n{item.nodeid}: the pages are saved in {FAILURES}/\n" + "\n".join(lines))
