"""Tenants and API clients for tests, made through the app's own services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from chargeplane.db import Scope
from chargeplane.domain.tenancy import service as tenancy
from tests.support.server import RunningApp


@dataclass
class TenantHandle:
    id: uuid.UUID
    slug: str
    api_key: str
    api: httpx.AsyncClient


async def create_tenant(running: RunningApp, *, allow_auto_registration: bool = False) -> tuple[uuid.UUID, str, str]:
    slug = f"t-{uuid.uuid4().hex[:10]}"

    def unit(uow: Any) -> tuple[uuid.UUID, str, str]:
        tenant = tenancy.create_tenant(uow, name=f"Tenant {slug}", slug=slug,
                                       allow_auto_registration=allow_auto_registration)
        issued = tenancy.issue_api_key(uow, tenant_id=tenant.id, name="test")
        return tenant.id, tenant.slug, issued.secret

    return await running.arun(running.app.db.write(Scope.installation("test tenant"), unit))


def api_client(running: RunningApp, api_key: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    return httpx.AsyncClient(base_url=running.http_url, headers=headers, timeout=30)
