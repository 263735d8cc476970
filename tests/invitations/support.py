"""Sending, following and accepting invitations through the API, as a portal would."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from chargeplane.db import Scope, UnitOfWork
from tests.messaging.support import SmtpServer, body_of, link_in
from tests.support.server import RunningApp

T = TypeVar("T")

PASSWORD = "correct horse battery"
BUSINESS = {"name": "Acme AS", "kind": "business", "legal_name": "Acme Aktsiaselts", "registration_number": "12345678",
            "vat_number": "EE123456789", "billing_address": "Narva mnt 1, Tallinn", "email": "billing@acme.example"}


async def invite(api: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await api.post("/api/v1/invitations", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def emailed_token(smtp: SmtpServer, recipient: str, *, count: int = 1) -> str:
    mail = await smtp.mailbox.wait_for(recipient, count=count)
    return link_in(body_of(mail))[1]


def anonymous(running: RunningApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=running.http_url, timeout=30)


async def accept(client: httpx.AsyncClient, token: str, **extra: Any) -> httpx.Response:
    body = {"token": token, "accept_terms": True, "password": PASSWORD, **extra}
    return await client.post("/api/v1/invitations/accept", json={k: v for k, v in body.items() if v is not None})


async def preview(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/api/v1/invitations/preview", params={"token": token})


async def log_in(running: RunningApp, slug: str, email: str, password: str = PASSWORD) -> httpx.AsyncClient:
    """A client holding a bearer token from POST /auth/login."""
    async with anonymous(running) as client:
        response = await client.post("/api/v1/auth/login",
                                     json={"tenant": slug, "email": email, "password": password, "kind": "bearer"})
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    return httpx.AsyncClient(base_url=running.http_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


async def read(running: RunningApp, tenant_id: uuid.UUID, fn: Callable[[UnitOfWork], T]) -> T:
    return await running.arun(running.app.db.read(Scope.tenant(tenant_id), fn))


async def write(running: RunningApp, tenant_id: uuid.UUID, fn: Callable[[UnitOfWork], T]) -> T:
    return await running.arun(running.app.db.write(Scope.tenant(tenant_id), fn))
