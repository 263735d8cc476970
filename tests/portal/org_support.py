"""For the sites, cards, groups and sharing page tests: the card tests' `World` (accounts, sites,
chargers, people of one tenant) as the fixture `world`, people logged in to the portal with one role,
spreadsheets made in the test, and reading a page's live stream."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import World
from tests.portal.support import PortalPerson, portal_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

API = "/api/v1"
MakePerson = Callable[..., Awaitable[PortalPerson]]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(name="world")
async def org_world(running_app: RunningApp, tenant: TenantHandle) -> AsyncIterator[World]:
    built = World(running_app, tenant)
    yield built
    await built.close()


@pytest.fixture
async def people(running_app: RunningApp, tenant: TenantHandle) -> AsyncIterator[MakePerson]:
    """`await people(Role.X, account_id)`: a user with that role, logged in to the portal."""
    made: list[PortalPerson] = []

    async def make(role: Role, account_id: uuid.UUID | None = None, email: str | None = None) -> PortalPerson:
        person = await portal_user(running_app, tenant.id, tenant.slug, roles=[(role, account_id)], email=email)
        made.append(person)
        return person

    yield make
    for person in made:
        await person.portal.aclose()
        await person.person.api.aclose()


async def api_json(api: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await api.get(f"{API}{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def next_frame(lines: AsyncIterator[str], wanted: Callable[[str], bool], timeout: float = 10) -> str:
    """The data of the first SSE `update` frame for which `wanted` holds."""

    async def read() -> str:
        data: list[str] = []
        async for line in lines:
            if line.startswith("data: "):
                data.append(line[6:])
            elif line == "" and data:
                frame, data = "\n".join(data), []
                if wanted(frame):
                    return frame
        raise AssertionError("the stream ended")

    return await asyncio.wait_for(read(), timeout)
