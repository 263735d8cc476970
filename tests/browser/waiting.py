"""Waiting from a sync test for what the app does on its own thread (a page waits with `expect`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

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
