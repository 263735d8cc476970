"""Login throttling: per account (5 failures in 15 minutes) and per address (10 in 5 minutes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chargeplane.domain.clock import ManualClock
from chargeplane.domain.identity.throttle import (
    ACCOUNT_FAILURES,
    ACCOUNT_WINDOW,
    ADDRESS_FAILURES,
    ADDRESS_WINDOW,
    SlidingWindow,
)
from tests.identity.helpers import (
    PROBLEM,
    anonymous,
    login,
    new_email,
    open_sign_up,
    signed_up_user,
    staff_with_totp,
)
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


async def test_an_account_is_blocked_after_repeated_failures(running_app: RunningApp, tenant: TenantHandle,
                                                             clock: ManualClock) -> None:
    await open_sign_up(tenant)
    email = await signed_up_user(running_app, tenant)
    other = await signed_up_user(running_app, tenant)
    async with anonymous(running_app) as api:
        for _ in range(ACCOUNT_FAILURES):
            assert (await login(api, tenant, email, "wrong password 123")).status_code == 401
            clock.advance(timedelta(seconds=1))
        # Now even the right password is refused, before it is checked, and the reply says how long.
        blocked = await login(api, tenant, email.upper())
        assert blocked.status_code == 429 and blocked.headers["content-type"] == PROBLEM
        retry_after = int(blocked.headers["retry-after"])
        assert 0 < retry_after <= ACCOUNT_WINDOW.total_seconds()
        assert blocked.json()["type"].endswith("/too-many-attempts")
        # Another account from the same address is not blocked.
        assert (await login(api, tenant, other)).status_code == 200

        clock.advance(timedelta(seconds=retry_after))
        assert (await login(api, tenant, email)).status_code == 200
        # A success starts the account's count over.
        for _ in range(ACCOUNT_FAILURES - 1):
            assert (await login(api, tenant, email, "wrong password 123")).status_code == 401
        assert (await login(api, tenant, email)).status_code == 200


async def test_an_address_is_blocked_after_failures_across_accounts(running_app: RunningApp, tenant: TenantHandle,
                                                                    clock: ManualClock) -> None:
    await open_sign_up(tenant)
    email = await signed_up_user(running_app, tenant)
    async with anonymous(running_app) as api:
        for _ in range(ADDRESS_FAILURES):
            assert (await login(api, tenant, new_email(), "guess password 1")).status_code == 401
        blocked = await login(api, tenant, email)
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) <= ADDRESS_WINDOW.total_seconds()
        clock.advance(ADDRESS_WINDOW)
        assert (await login(api, tenant, email)).status_code == 200


async def test_a_missing_second_factor_code_is_not_a_failure(running_app: RunningApp, tenant: TenantHandle) -> None:
    """Asking for the code is part of a normal login; only wrong codes count (see test_totp)."""
    email, _secret = await staff_with_totp(running_app, tenant)
    async with anonymous(running_app) as api:
        for _ in range(ACCOUNT_FAILURES + 1):
            response = await login(api, tenant, email)
            assert response.status_code == 401 and response.json()["type"].endswith("/totp-required")


def test_sliding_window_forgets_old_events() -> None:
    window = SlidingWindow(limit=2, window=timedelta(seconds=10))
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    window.record("k", t0)
    assert window.wait("k", t0) is None
    window.record("k", t0 + timedelta(seconds=4))
    assert window.wait("k", t0 + timedelta(seconds=5)) == timedelta(seconds=5)
    assert window.wait("k", t0 + timedelta(seconds=10)) is None
    assert window.wait("other", t0) is None
    bounded = SlidingWindow(limit=1, window=timedelta(seconds=10), max_keys=3)
    for key in "abcdef":
        bounded.record(key, t0)
    assert len(bounded._events) == 3
