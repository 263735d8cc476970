"""Waiting from a sync test for what the app does on its own thread (a page waits with `expect`)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from playwright.sync_api import Page

T = TypeVar("T")


def wait_until(probe: Callable[[], T], *, timeout: float = 15.0, what: str = "the condition") -> T:
    """Call `probe` until it returns something truthy, and return that. The app offers nothing to
    subscribe to from here (an API answer, a charger's state), so this looks again every 50 ms."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


@contextlib.contextmanager
def without_reload(page: Page) -> Iterator[None]:
    """What happens inside happens to the page as it was loaded (live updates, htmx swaps): a mark
    left on its `window` is still there afterwards, which a reload or a navigation would have wiped."""
    page.evaluate("window.__stillTheSamePage = true")
    yield
    assert page.evaluate("window.__stillTheSamePage === true"), f"{page.url} was loaded again"
