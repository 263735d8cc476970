"""Logging in: bearer tokens for the app, cookie sessions with CSRF for the portal, one answer for
every failure, expiry, revocation, and hashes brought up to date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from chargeplane.config import Settings
from chargeplane.db import Scope
from chargeplane.domain.assets.credentials import PasswordHashing
from chargeplane.domain.clock import ManualClock
from chargeplane.domain.identity.models import User
from chargeplane.domain.identity.permissions import Role
from tests.conftest import test_settings as settings_for
from tests.identity.helpers import (
    PASSWORD,
    PROBLEM,
    anonymous,
    bearer,
    bearer_login,
    login,
    new_email,
    open_sign_up,
    sign_up,
    signed_up_user,
)
from tests.support.people import make_account, make_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle, create_tenant


async def _set_user(running: RunningApp, tenant: TenantHandle, email: str, **values: Any) -> None:
    await running.arun(running.app.db.write(Scope.tenant(tenant.id), lambda uow: uow.session.execute(
        update(User).where(User.email_key == email.lower()).values(**values))))


async def _password_hash(running: RunningApp, tenant: TenantHandle, email: str) -> str:
    return await running.arun(running.app.db.read(Scope.tenant(tenant.id), lambda uow: uow.session.scalar(
        select(User.password_hash).where(User.email_key == email.lower()))))


async def test_every_failed_login_gets_the_same_answer(running_app: RunningApp, tenant: TenantHandle) -> None:
    await open_sign_up(tenant)
    active = await signed_up_user(running_app, tenant)
    disabled = await signed_up_user(running_app, tenant)
    await _set_user(running_app, tenant, disabled, status="disabled")
    pending = new_email()
    async with anonymous(running_app) as api:
        await sign_up(api, tenant, pending)
        failures = [
            await login(api, tenant, active, "wrong password 123"),
            await login(api, tenant, new_email()),
            await login(api, tenant, pending),
            await login(api, tenant, disabled),
        ]
    bodies = [r.json() for r in failures]
    assert all(r.status_code == 401 and r.headers["content-type"] == PROBLEM for r in failures)
    assert all(b["type"].endswith("/login-failed") for b in bodies)
    assert len({b["detail"] for b in bodies}) == 1


async def test_bearer_token_lets_the_app_in_until_revoked(running_app: RunningApp, tenant: TenantHandle) -> None:
    await open_sign_up(tenant)
    email = await signed_up_user(running_app, tenant)
    async with await bearer_login(running_app, tenant, email) as app, \
            await bearer_login(running_app, tenant, email) as phone:
        me = await app.get("/api/v1/auth/me")
        assert me.status_code == 200 and me.json()["email"] == email and me.json()["csrf_token"] is None
        sessions = (await app.get("/api/v1/auth/sessions")).json()
        assert len(sessions) == 2 and sum(s["current"] for s in sessions) == 1
        assert {s["kind"] for s in sessions} == {"bearer"} and all("token" not in s for s in sessions)

        # End the phone's session from the app: the phone is out, the app is not.
        phone_id = next(s["id"] for s in sessions if not s["current"])
        assert (await app.delete(f"/api/v1/auth/sessions/{phone_id}")).status_code == 204
        assert (await phone.get("/api/v1/auth/me")).status_code == 401
        assert (await app.get("/api/v1/auth/me")).status_code == 200

        assert (await app.post("/api/v1/auth/logout")).status_code == 204
        after = await app.get("/api/v1/auth/me")
        assert after.status_code == 401 and after.headers["content-type"] == PROBLEM


async def test_nobody_ends_another_users_session(running_app: RunningApp, tenant: TenantHandle,
                                                 other_tenant: TenantHandle) -> None:
    await open_sign_up(tenant)
    await open_sign_up(other_tenant)
    mine = await signed_up_user(running_app, tenant)
    theirs = await signed_up_user(running_app, tenant)
    foreign = await signed_up_user(running_app, other_tenant)
    async with await bearer_login(running_app, tenant, mine) as me, \
            await bearer_login(running_app, tenant, theirs) as them, \
            await bearer_login(running_app, other_tenant, foreign) as stranger:
        their_session = (await them.get("/api/v1/auth/sessions")).json()[0]["id"]
        assert (await me.delete(f"/api/v1/auth/sessions/{their_session}")).status_code == 404
        assert (await stranger.delete(f"/api/v1/auth/sessions/{their_session}")).status_code == 404
        assert (await them.get("/api/v1/auth/me")).status_code == 200
        assert len((await me.get("/api/v1/auth/sessions")).json()) == 1


async def test_logout_everywhere_ends_every_session(running_app: RunningApp, tenant: TenantHandle) -> None:
    await open_sign_up(tenant)
    email = await signed_up_user(running_app, tenant)
    clients = [await bearer_login(running_app, tenant, email) for _ in range(3)]
    assert (await clients[0].post("/api/v1/auth/logout-everywhere")).status_code == 204
    for client in clients:
        assert (await client.get("/api/v1/auth/me")).status_code == 401
        await client.aclose()
    async with await bearer_login(running_app, tenant, email) as fresh:
        assert (await fresh.get("/api/v1/auth/me")).status_code == 200
        entries = (await tenant.api.get("/api/v1/audit-log", params={"action": "user.logout_everywhere"})).json()
        assert len(entries["items"]) == 1


async def test_cookie_session_needs_the_csrf_token_on_unsafe_requests(running_app: RunningApp,
                                                                      tenant: TenantHandle) -> None:
    await open_sign_up(tenant)
    email = await signed_up_user(running_app, tenant)
    async with anonymous(running_app) as portal:
        response = await login(portal, tenant, email, kind="cookie")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token"] is None and body["csrf_token"] and body["user"]["csrf_token"] == body["csrf_token"]
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("chargeplane_session=cps_")
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
        assert {"httponly", "path", "max-age"} <= attributes and "secure" not in attributes
        assert "samesite=lax" in cookie.lower() and "path=/" in cookie.lower()
        assert portal.cookies.get("chargeplane_session")

        # Reads need no CSRF token; /auth/me hands it out again for a reloaded page.
        me = await portal.get("/api/v1/auth/me")
        assert me.status_code == 200 and me.json()["csrf_token"] == body["csrf_token"]
        refused = await portal.patch("/api/v1/auth/me", json={"name": "No Token"})
        assert refused.status_code == 403 and refused.json()["type"].endswith("/csrf-failed")
        wrong = await portal.patch("/api/v1/auth/me", json={"name": "Bad"}, headers={"X-CSRF-Token": "x" * 64})
        assert wrong.status_code == 403
        ok = await portal.patch("/api/v1/auth/me", json={"name": "With Token"},
                                headers={"X-CSRF-Token": body["csrf_token"]})
        assert ok.status_code == 200 and ok.json()["name"] == "With Token"

        # A cookie is not a bearer token, nor the other way round.
        secret = portal.cookies["chargeplane_session"]
        async with bearer(running_app, secret) as misuse:
            assert (await misuse.get("/api/v1/auth/me")).status_code == 401

        out = await portal.post("/api/v1/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]})
        assert out.status_code == 204 and "chargeplane_session=" in out.headers["set-cookie"]
        assert "max-age=0" in out.headers["set-cookie"].lower()
        async with anonymous(running_app) as replay:
            replay.cookies.set("chargeplane_session", secret)
            assert (await replay.get("/api/v1/auth/me")).status_code == 401


@pytest.fixture
def production_app(database_url: str) -> Iterator[RunningApp]:
    settings: Settings = settings_for(database_url, environment="production")
    running = RunningApp(settings, clock=ManualClock()).start()
    yield running
    running.stop()


async def test_cookie_is_secure_in_production(production_app: RunningApp) -> None:
    tenant_id, slug, key = await create_tenant(production_app)
    async with httpx.AsyncClient(base_url=production_app.http_url, timeout=30,
                                 headers={"Authorization": f"Bearer {key}"}) as admin:
        handle = TenantHandle(tenant_id, slug, key, admin)
        await open_sign_up(handle)
        email = await signed_up_user(production_app, handle)
        async with anonymous(production_app) as portal:
            response = await login(portal, handle, email, kind="cookie")
    assert response.status_code == 200
    assert "secure" in {part.strip().lower() for part in response.headers["set-cookie"].split(";")}


async def test_sessions_expire(running_app: RunningApp, tenant: TenantHandle, clock: ManualClock) -> None:
    await open_sign_up(tenant)
    email = await signed_up_user(running_app, tenant)
    async with await bearer_login(running_app, tenant, email) as app, anonymous(running_app) as portal:
        csrf = (await login(portal, tenant, email, kind="cookie")).json()["csrf_token"]
        clock.advance(timedelta(hours=11, minutes=59))
        assert (await portal.get("/api/v1/auth/me")).status_code == 200
        clock.advance(timedelta(minutes=2))
        assert (await portal.get("/api/v1/auth/me")).status_code == 401
        assert (await portal.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})).status_code == 401
        assert (await app.get("/api/v1/auth/me")).status_code == 200
        assert len((await app.get("/api/v1/auth/sessions")).json()) == 1  # the expired one is not listed
        clock.advance(timedelta(days=30))
        assert (await app.get("/api/v1/auth/me")).status_code == 401


async def test_api_keys_are_refused_on_a_persons_endpoints(running_app: RunningApp, tenant: TenantHandle) -> None:
    paths = [("GET", "/api/v1/auth/me"), ("GET", "/api/v1/auth/sessions"), ("POST", "/api/v1/auth/logout"),
             ("POST", "/api/v1/auth/logout-everywhere"), ("POST", "/api/v1/auth/totp/setup")]
    for method, path in paths:
        response = await tenant.api.request(method, path)
        assert response.status_code == 403, (path, response.text)
    async with anonymous(running_app) as nobody:
        assert (await nobody.get("/api/v1/auth/me")).status_code == 401


async def test_me_shows_memberships_tenant_and_second_factor(running_app: RunningApp, tenant: TenantHandle) -> None:
    await tenant.api.patch("/api/v1/tenant", json={"display_name": "Volt Estonia", "primary_color": "#0a7d3c"})
    account_id = await make_account(running_app, tenant.id, name="Harbour Co")
    person = await make_user(running_app, tenant.id, roles=[(Role.ACCOUNT_ADMIN, account_id), (Role.DRIVER, None)],
                             password=PASSWORD)
    async with person.api:
        me = (await person.api.get("/api/v1/auth/me")).json()
    assert sorted((m["role"], m["account_name"]) for m in me["memberships"]) == [
        ("account_admin", "Harbour Co"), ("driver", None)]
    assert me["tenant"]["display_name"] == "Volt Estonia" and me["tenant"]["primary_color"] == "#0a7d3c"
    assert me["tenant"]["slug"] == tenant.slug
    assert me["totp"] == {"enabled": False, "required": False}
    staff = await make_user(running_app, tenant.id, roles=[(Role.CUSTOMER_SUPPORT, None)])
    async with staff.api:
        assert (await staff.api.get("/api/v1/auth/me")).json()["totp"] == {"enabled": False, "required": True}


async def test_login_brings_an_outdated_hash_up_to_date(running_app: RunningApp, tenant: TenantHandle) -> None:
    await open_sign_up(tenant)
    email = await signed_up_user(running_app, tenant)
    old = PasswordHashing(time_cost=2, memory_kib=2048).hash(PASSWORD)
    await _set_user(running_app, tenant, email, password_hash=old)
    async with await bearer_login(running_app, tenant, email):
        pass
    renewed = await _password_hash(running_app, tenant, email)
    assert renewed != old and "m=1024,t=1,p=1" in renewed
    async with await bearer_login(running_app, tenant, email):
        pass
    assert await _password_hash(running_app, tenant, email) == renewed  # current parameters: left alone


async def test_login_names_an_existing_tenant(running_app: RunningApp, tenant: TenantHandle) -> None:
    async with anonymous(running_app) as api:
        response = await api.post("/api/v1/auth/login", json={"tenant": "no-such-tenant", "email": new_email(),
                                                              "password": PASSWORD})
        assert response.status_code == 404 and response.json()["field"] == "tenant"
        bad_kind = await login(api, tenant, new_email(), kind="carrier-pigeon")
        assert bad_kind.status_code == 422
