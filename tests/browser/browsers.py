"""Debian's Chromium through Playwright's sync API: one browser for the run, a fresh context per page.

Playwright's sync API keeps its own event loop marked as this thread's running loop between calls;
left that way, `asyncio.run()` (fixtures of the rest of the suite, pytest-asyncio's tests) would
refuse to start in this thread. So the mark is set only while a browser test uses the browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize, sync_playwright

CHROMIUM = "/usr/bin/chromium"
# Quiet and self-contained: no sandbox (containers), no GPU, nothing fetched from Google's servers.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000
FAILURES = Path("/tmp/chargeplane-browser-failures")


class Chromium:
    def __init__(self) -> None:
        self._playwright: Playwright = sync_playwright().start()
        self.browser: Browser = self._playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        self._loop = asyncio.get_running_loop()  # Playwright's, marked as running: see the module's note
        asyncio.events._set_running_loop(None)

    @contextlib.contextmanager
    def in_use(self) -> Iterator[Browser]:
        asyncio.events._set_running_loop(self._loop)
        try:
            yield self.browser
        finally:
            asyncio.events._set_running_loop(None)

    def close(self) -> None:
        with self.in_use():
            self.browser.close()
            self._playwright.stop()


@dataclass
class Pages:
    """The pages a test opened, each in a context of its own (its own cookies: its own person)."""

    browser: Browser
    base_url: str
    contexts: list[BrowserContext] = field(default_factory=list)

    def new(self, *, locale: str = "en-GB", phone: bool = False, time_zone: str = "Europe/Tallinn",
            **options: Any) -> Page:
        """A page in a new context; the driver app's service worker is kept out unless `service_workers="allow"`
        (a cached shell would hide what the server answers now)."""
        context = self.browser.new_context(**{
            "base_url": self.base_url, "locale": locale, "timezone_id": time_zone,
            "viewport": PHONE if phone else DESKTOP, "is_mobile": phone, "has_touch": phone,
            "service_workers": "block", **options})
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        return context.new_page()

    @property
    def open_pages(self) -> list[Page]:
        return [page for context in self.contexts for page in context.pages]

    def close(self) -> None:
        for context in self.contexts:
            with contextlib.suppress(Exception):
                context.close()


def save_failure(page: Page, name: str, folder: Path = FAILURES) -> tuple[Path, Path]:
    """A screenshot and the HTML of `page` as it is now, for a look at what went wrong."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")[:150]
    image, html = folder / f"{stem}.png", folder / f"{stem}.html"
    page.screenshot(path=str(image), full_page=True)
    html.write_text(page.content(), encoding="utf-8")
    return image, html
