"""Failed charger handshakes, counted per identity and per source address in a sliding window."""

from __future__ import annotations

import time
from collections import deque


class FailureLimiter:
    def __init__(self, *, limit: int, window: float, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float] | None:
        failures = self._failures.get(key)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        return failures

    def blocked(self, key: str) -> bool:
        failures = self._recent(key, time.monotonic())
        return failures is not None and len(failures) >= self.limit

    def record_failure(self, key: str) -> None:
        now = time.monotonic()
        failures = self._recent(key, now)
        if failures is None:
            if len(self._failures) >= self.max_keys:  # keep memory bounded under a scan
                self._failures.pop(next(iter(self._failures)))
            failures = self._failures[key] = deque()
        failures.append(now)
        if len(failures) > self.limit:
            failures.popleft()

    def reset(self, key: str) -> None:
        self._failures.pop(key, None)
