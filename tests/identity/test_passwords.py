"""Password reset by email (single use, one hour, no enumeration) and password change."""

from __future__ import annotations

from datetime import timedelta

from chargeplane.domain.clock import ManualClock
from tests.identity.helpers import (
    PASSWORD,
    anonymous,
    bearer_login,
    latest_link,
    login,
    mails,
    new_email,
    open_sign_up,
    sign_up,
    signed_up_user,
)
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

NEW_PASSWORD = "a brand new passphrase"


async def test_reset_answers_the_same_for_known_and_unknown_addresses(running_app: RunningApp,
                                                                      tenant: TenantHandle) -> None:
    await open_sign_up(tenant)
    known = await signed_up_user(running_app, tenant)
    unknown = new_email()
    async with anonymous(running_app) as api:
        answers = [await api.post("/api/v1/auth/password-reset", json={"tenant": tenant.slug, "email": email})
                   for email in (known, unknown, "not an address")]
    assert {r.status_code for r in answers} == {202}
    assert len({r.text for r in answers}) == 1
    assert len(await mails(tenant, known, "reset_password")) == 1
    assert await mails(tenant, unknown, "reset_password") == []


async def test_reset_sets_the_password_once_and_ends_every_session(running_app: RunningApp, tenant: TenantHandle,
                                                                   clock: ManualClock) -> None:
    await open_sign_up(tenant)
    email = await signed_up_user(running_app, tenant)
    async with await bearer_login(running_app, tenant, email) as phone, anonymous(running_app) as api:
        await api.post("/api/v1/auth/password-reset", json={"tenant": tenant.slug, "email": email.upper()})
        [message] = await mails(tenant, email, "reset_password")
        assert f"{running_app.settings.base_url}/reset-password?token=" in message["body"]
        token = await latest_link(tenant, email, "reset_password")

        weak = await api.post("/api/v1/auth/password-reset/complete", json={"token": token, "password": "short"})
        assert weak.status_code == 422 and weak.json()["field"] == "password"
        clock.advance(timedelta(seconds=1))
        done = await api.post("/api/v1/auth/password-reset/complete", json={"token": token, "password": NEW_PASSWORD})
        assert done.status_code == 204, done.text
        again = await api.post("/api/v1/auth/password-reset/complete", json={"token": token, "password": PASSWORD})
        assert again.status_code == 422 and again.json()["type"].endswith("/invalid-link")

        assert (await phone.get("/api/v1/auth/me")).status_code == 401
        assert (await login(api, tenant, email)).status_code == 401
        assert (await login(api, tenant, email, NEW_PASSWORD)).status_code == 200
    assert len(await mails(tenant, email, "password_changed")) == 1
    audit = (await tenant.api.get("/api/v1/audit-log", params={"action": "user.password_reset"})).json()["items"]
    assert len(audit) == 1 and audit[0]["actor_label"] == email


async def test_a_reset_link_lasts_an_hour_and_only_the_newest_works(running_app: RunningApp, tenant: TenantHandle,
                                                                    clock: ManualClock) -> None:
    await open_sign_up(tenant)
    email = await signed_up_user(running_app, tenant)
    ask = {"tenant": tenant.slug, "email": email}
    async with anonymous(running_app) as api:
        await api.post("/api/v1/auth/password-reset", json=ask)
        first = await latest_link(tenant, email, "reset_password")
        clock.advance(timedelta(minutes=1))
        await api.post("/api/v1/auth/password-reset", json=ask)
        second = await latest_link(tenant, email, "reset_password")
        assert second != first
        replaced = await api.post("/api/v1/auth/password-reset/complete", json={"token": first,
                                                                                "password": NEW_PASSWORD})
        assert replaced.status_code == 422
        clock.advance(timedelta(hours=1))
        expired = await api.post("/api/v1/auth/password-reset/complete", json={"token": second,
                                                                               "password": NEW_PASSWORD})
        assert expired.status_code == 422
        # Neither link changed anything: the old password still works.
        assert (await login(api, tenant, email)).status_code == 200


async def test_reset_verifies_a_pending_address(running_app: RunningApp, tenant: TenantHandle) -> None:
    """Someone who lost the verification mail (or whose address a stranger signed up first) takes
    the account over through the inbox: the reset proves the address and replaces the password."""
    await open_sign_up(tenant)
    email = new_email()
    async with anonymous(running_app) as api:
        await sign_up(api, tenant, email, password="a stranger's password")
        await api.post("/api/v1/auth/password-reset", json={"tenant": tenant.slug, "email": email})
        token = await latest_link(tenant, email, "reset_password")
        verify_token = await latest_link(tenant, email, "verify_email")
        mixed = await api.post("/api/v1/auth/password-reset/complete", json={"token": verify_token,
                                                                             "password": NEW_PASSWORD})
        assert mixed.status_code == 422
        assert (await api.post("/api/v1/auth/password-reset/complete",
                               json={"token": token, "password": NEW_PASSWORD})).status_code == 204
        assert (await login(api, tenant, email, "a stranger's password")).status_code == 401
        assert (await login(api, tenant, email, NEW_PASSWORD)).status_code == 200


async def test_reset_mails_are_rationed(running_app: RunningApp, tenant: TenantHandle) -> None:
    await open_sign_up(tenant)
    email = await signed_up_user(running_app, tenant)
    async with anonymous(running_app) as api:
        for _ in range(6):
            response = await api.post("/api/v1/auth/password-reset", json={"tenant": tenant.slug, "email": email})
            assert response.status_code == 202
    # The sign-up's verification mail spent one of the three.
    assert len(await mails(tenant, email, "reset_password")) == 2


async def test_changing_the_password_keeps_this_session_and_ends_the_others(running_app: RunningApp,
                                                                            tenant: TenantHandle) -> None:
    await open_sign_up(tenant)
    email = await signed_up_user(running_app, tenant)
    async with await bearer_login(running_app, tenant, email) as app, \
            await bearer_login(running_app, tenant, email) as other:
        wrong = await app.post("/api/v1/auth/password", json={"current_password": "not my password",
                                                              "new_password": NEW_PASSWORD})
        assert wrong.status_code == 422 and wrong.json()["field"] == "current_password"
        weak = await app.post("/api/v1/auth/password", json={"current_password": PASSWORD,
                                                             "new_password": email})
        assert weak.status_code == 422 and weak.json()["field"] == "new_password"
        assert (await other.get("/api/v1/auth/me")).status_code == 200

        changed = await app.post("/api/v1/auth/password", json={"current_password": PASSWORD,
                                                                "new_password": NEW_PASSWORD})
        assert changed.status_code == 204, changed.text
        assert (await app.get("/api/v1/auth/me")).status_code == 200
        assert (await other.get("/api/v1/auth/me")).status_code == 401
        assert [s["current"] for s in (await app.get("/api/v1/auth/sessions")).json()] == [True]
    async with anonymous(running_app) as api:
        assert (await login(api, tenant, email)).status_code == 401
        assert (await login(api, tenant, email, NEW_PASSWORD)).status_code == 200
    assert len(await mails(tenant, email, "password_changed")) == 1
    audit = (await tenant.api.get("/api/v1/audit-log", params={"action": "user.password_change"})).json()["items"]
    assert len(audit) == 1 and NEW_PASSWORD not in str(audit) and PASSWORD not in str(audit)


async def test_guessing_the_current_password_is_throttled(running_app: RunningApp, tenant: TenantHandle) -> None:
    await open_sign_up(tenant)
    email = await signed_up_user(running_app, tenant)
    async with await bearer_login(running_app, tenant, email) as app:
        statuses = [(await app.post("/api/v1/auth/password", json={"current_password": f"guess number {i}",
                                                                   "new_password": NEW_PASSWORD})).status_code
                    for i in range(6)]
        assert statuses == [422] * 5 + [429]
        blocked = await app.post("/api/v1/auth/password", json={"current_password": PASSWORD,
                                                                "new_password": NEW_PASSWORD})
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
