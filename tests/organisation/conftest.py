"""A tenant with an account tree and people in every role, for the organisation tests.

    X                     Y
    └── X1 (employee)
        └── X1a (subsidiary)

People: a tenant admin, customer support, an admin and a member of X, an admin of X1, an admin of
Y, and a driver of X. Each has a bearer-token client (`world.api(...)`)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from chargeplane.domain.identity.permissions import Role
from tests.support.people import Person, make_account, make_api_key, make_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle, api_client

PEOPLE: dict[str, tuple[Role, str | None]] = {
    "tenant_admin": (Role.TENANT_ADMIN, None),
    "support": (Role.CUSTOMER_SUPPORT, None),
    "x_admin": (Role.ACCOUNT_ADMIN, "x"),
    "x_member": (Role.ACCOUNT_MEMBER, "x"),
    "x1_admin": (Role.ACCOUNT_ADMIN, "x1"),
    "y_admin": (Role.ACCOUNT_ADMIN, "y"),
    "x_driver": (Role.DRIVER, "x"),
}


@dataclass
class World:
    running: RunningApp
    tenant: TenantHandle
    accounts: dict[str, uuid.UUID]
    people: dict[str, Person]
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def api(self, who: str) -> httpx.AsyncClient:
        return self.people[who].api

    @property
    def x(self) -> uuid.UUID:
        return self.accounts["x"]

    @property
    def x1(self) -> uuid.UUID:
        return self.accounts["x1"]

    @property
    def x1a(self) -> uuid.UUID:
        return self.accounts["x1a"]

    @property
    def y(self) -> uuid.UUID:
        return self.accounts["y"]

    async def person(self, roles: list[tuple[Role, uuid.UUID | None]], email: str | None = None) -> Person:
        person = await make_user(self.running, self.tenant.id, roles=roles, email=email)
        self.clients.append(person.api)
        return person

    async def key_client(self, role: Role, account_id: uuid.UUID | None = None) -> httpx.AsyncClient:
        client = api_client(self.running, await make_api_key(self.running, self.tenant.id, role=role,
                                                             account_id=account_id))
        self.clients.append(client)
        return client

    async def account(self, name: str, parent_id: uuid.UUID | None = None, **fields: Any) -> uuid.UUID:
        return await make_account(self.running, self.tenant.id, name=name, parent_id=parent_id, **fields)


async def build_world(running: RunningApp, tenant: TenantHandle) -> World:
    x = await make_account(running, tenant.id, name="X")
    x1 = await make_account(running, tenant.id, name="X1", parent_id=x, relation="employee")
    x1a = await make_account(running, tenant.id, name="X1a", parent_id=x1, relation="subsidiary")
    y = await make_account(running, tenant.id, name="Y")
    accounts = {"x": x, "x1": x1, "x1a": x1a, "y": y}
    people = {}
    for name, (role, account) in PEOPLE.items():
        people[name] = await make_user(running, tenant.id, roles=[(role, accounts[account] if account else None)],
                                       email=f"{name}-{uuid.uuid4().hex[:6]}@example.test")
    return World(running, tenant, accounts, people)


@pytest.fixture
async def world(running_app: RunningApp, tenant: TenantHandle) -> AsyncIterator[World]:
    built = await build_world(running_app, tenant)
    yield built
    for client in [p.api for p in built.people.values()] + built.clients:
        await client.aclose()


def items(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    body = response.json()
    found: list[dict[str, Any]] = body["items"] if isinstance(body, dict) else body
    return found


def ids(response: httpx.Response) -> set[str]:
    return {item["id"] for item in items(response)}
