"""Login throttling and mail budgets: in-process sliding windows, read with the app's clock.

Failed logins are counted per source address and per account (tenant + email); once either reaches
its limit within the window, logins from that address or for that account are refused before any
password is checked, until the oldest failure leaves the window. Mails that a stranger can trigger
(verification, password reset) have a budget per email address so that nobody can flood an inbox.

Each process keeps its own counts (like the OCPP handshake limiter): a cluster of N processes lets
an attacker at most N times the limit. The limits are constants here until settings carry them."""

from __future__ import annotations

import uuid
from collections import deque
from datetime import datetime, timedelta

from chargeplane.domain.errors import TooManyAttempts
from chargeplane.domain.identity.contact import email_key

ADDRESS_FAILURES, ADDRESS_WINDOW = 10, timedelta(minutes=5)
ACCOUNT_FAILURES, ACCOUNT_WINDOW = 5, timedelta(minutes=15)
MAILS_PER_ADDRESS, MAIL_WINDOW = 3, timedelta(minutes=15)


class SlidingWindow:
    """At most `limit` events per key within `window`."""

    def __init__(self, *, limit: int, window: timedelta, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._events: dict[str, deque[datetime]] = {}

    def _recent(self, key: str, now: datetime) -> deque[datetime] | None:
        events = self._events.get(key)
        if events is None:
            return None
        while events and events[0] <= now - self.window:
            events.popleft()
        if not events:
            del self._events[key]
            return None
        return events

    def wait(self, key: str, now: datetime) -> timedelta | None:
        """How long until `key` may act again, or None if it may now."""
        events = self._recent(key, now)
        if events is None or len(events) < self.limit:
            return None
        return events[-self.limit] + self.window - now

    def record(self, key: str, now: datetime) -> None:
        events = self._recent(key, now)
        if events is None:
            if len(self._events) >= self.max_keys:  # bounded memory under a scan of many keys
                self._events.pop(next(iter(self._events)))
            events = self._events[key] = deque()
        events.append(now)
        if len(events) > self.limit:
            events.popleft()

    def clear(self, key: str) -> None:
        self._events.pop(key, None)


def _account(tenant_id: uuid.UUID, email: str) -> str:
    return f"{tenant_id}:{email_key(email)}"


class LoginThrottle:
    def __init__(self) -> None:
        self.by_address = SlidingWindow(limit=ADDRESS_FAILURES, window=ADDRESS_WINDOW)
        self.by_account = SlidingWindow(limit=ACCOUNT_FAILURES, window=ACCOUNT_WINDOW)
        self.mails = SlidingWindow(limit=MAILS_PER_ADDRESS, window=MAIL_WINDOW)

    def check(self, *, tenant_id: uuid.UUID, email: str, address: str | None, now: datetime) -> None:
        """Refuse (TooManyAttempts, with `retry_after` seconds) while the address or account is blocked."""
        waits = [self.by_account.wait(_account(tenant_id, email), now)]
        if address:
            waits.append(self.by_address.wait(address, now))
        longest = max((w for w in waits if w is not None), default=None)
        if longest is not None:
            seconds = max(1, int(-(-longest.total_seconds() // 1)))  # rounded up
            raise TooManyAttempts("too many failed logins; try again in %(retry_after)s seconds", retry_after=seconds)

    def failed(self, *, tenant_id: uuid.UUID, email: str, address: str | None, now: datetime) -> None:
        self.by_account.record(_account(tenant_id, email), now)
        if address:
            self.by_address.record(address, now)

    def succeeded(self, *, tenant_id: uuid.UUID, email: str) -> None:
        # The account's count starts over; the address's does not (one right password among many
        # guesses at other accounts must not reset the guesser).
        self.by_account.clear(_account(tenant_id, email))

    def may_mail(self, *, tenant_id: uuid.UUID, email: str, now: datetime) -> bool:
        """Spend one of the address's mail budget; False when it is used up for now."""
        key = _account(tenant_id, email)
        if self.mails.wait(key, now) is not None:
            return False
        self.mails.record(key, now)
        return True
