"""Sign-up and login through the API as a person would, and the mail they get, read from the outbox."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pyotp

from chargeplane.domain.identity.permissions import Role
from tests.support.people import make_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

PASSWORD = "correct horse battery"
PROBLEM = "application/problem+json"
_TOKEN = re.compile(r"token=([A-Za-z0-9_\-]+)")


def new_email() -> str:
    return f"driver-{uuid.uuid4().hex[:8]}@example.test"


async def open_sign_up(tenant: TenantHandle, **settings: Any) -> None:
    """Publish the tenant's terms and privacy links, without which nobody can sign up."""
    response = await tenant.api.patch("/api/v1/tenant", json={
        "terms_url": "https://operator.example/terms", "privacy_url": "https://operator.example/privacy",
        "languages": ["en", "et"], **settings})
    assert response.status_code == 200, response.text


def anonymous(running: RunningApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=running.http_url, timeout=30)


async def sign_up(api: httpx.AsyncClient, tenant: TenantHandle, email: str, password: str = PASSWORD,
                  **fields: Any) -> httpx.Response:
    return await api.post("/api/v1/auth/signup", json={"tenant": tenant.slug, "email": email, "password": password,
                                                       "accept_terms": True, **fields})


async def mails(tenant: TenantHandle, recipient: str, template: str) -> list[dict[str, Any]]:
    """The messages queued for `recipient`, newest first."""
    response = await tenant.api.get("/api/v1/outbox", params={"recipient": recipient, "template": template})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def link_token(message: dict[str, Any]) -> str:
    found = _TOKEN.search(message["body"])
    assert found, message["body"]
    return found.group(1)


async def latest_link(tenant: TenantHandle, recipient: str, template: str) -> str:
    found = await mails(tenant, recipient, template)
    assert found, f"no {template} message for {recipient}"
    return link_token(found[0])


async def login(api: httpx.AsyncClient, tenant: TenantHandle, email: str, password: str = PASSWORD,
                **fields: Any) -> httpx.Response:
    return await api.post("/api/v1/auth/login", json={"tenant": tenant.slug, "email": email, "password": password,
                                                      **fields})


async def signed_up_user(running: RunningApp, tenant: TenantHandle, email: str | None = None,
                         password: str = PASSWORD) -> str:
    """A driver who signed up and followed the verification link; returns the email."""
    email = email or new_email()
    async with anonymous(running) as api:
        assert (await sign_up(api, tenant, email, password)).status_code == 202
        token = await latest_link(tenant, email, "verify_email")
        verified = await api.post("/api/v1/auth/verify-email", json={"token": token})
        assert verified.status_code == 200, verified.text
    return email


def bearer(running: RunningApp, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=running.http_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


async def bearer_login(running: RunningApp, tenant: TenantHandle, email: str, password: str = PASSWORD,
                       **fields: Any) -> httpx.AsyncClient:
    async with anonymous(running) as api:
        response = await login(api, tenant, email, password, **fields)
    assert response.status_code == 200, response.text
    return bearer(running, response.json()["token"])


def code_now(running: RunningApp, secret: str, steps_ahead: int = 0) -> str:
    """The authenticator app's code at the app's (hand-moved) time."""
    return pyotp.TOTP(secret).at(running.app.clock.now(), counter_offset=steps_ahead)


async def staff_with_totp(running: RunningApp, tenant: TenantHandle,
                          role: Role = Role.TENANT_ADMIN) -> tuple[str, str]:
    """A staff user with a password who turned the second factor on; returns (email, TOTP secret).
    The code used to turn it on is spent: the next login needs the next step's code."""
    person = await make_user(running, tenant.id, roles=[(role, None)], password=PASSWORD)
    async with person.api:
        setup = await person.api.post("/api/v1/auth/totp/setup")
        assert setup.status_code == 200, setup.text
        secret = setup.json()["secret"]
        enabled = await person.api.post("/api/v1/auth/totp/enable", json={"code": code_now(running, secret)})
        assert enabled.status_code == 200, enabled.text
    return person.email, secret
