"""Worlds for the card and driver tests: accounts, sites and chargers placed in them, people with roles,
and connected chargers. Chargers are registered through the API and then placed (account, site,
community/public) through the domain's models, as the operators' own API for placing them is tested
elsewhere."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import select

from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.assets.models import ChargePoint, Site
from chargeplane.domain.audit.models import AuditEntry
from chargeplane.domain.identity.models import User
from chargeplane.domain.identity.permissions import Role
from tests.support.chargers import RawCharger, register_charger
from tests.support.people import Person, make_account, make_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle, api_client

T = TypeVar("T")
API = "/api/v1"


class World:
    """One tenant's accounts, people, sites and chargers for a test; closes what it opened."""

    def __init__(self, app: RunningApp, tenant: TenantHandle) -> None:
        self.app = app
        self.tenant = tenant
        self._clients: list[httpx.AsyncClient] = []
        self._chargers: list[RawCharger] = []

    async def write(self, fn: Callable[[UnitOfWork], T]) -> T:
        return await self.app.arun(self.app.app.db.write(Scope.tenant(self.tenant.id), fn))

    async def read(self, fn: Callable[[UnitOfWork], T]) -> T:
        return await self.app.arun(self.app.app.db.read(Scope.tenant(self.tenant.id), fn))

    async def account(self, name: str = "Account", parent_id: uuid.UUID | None = None) -> uuid.UUID:
        return await make_account(self.app, self.tenant.id, name=name, parent_id=parent_id)

    async def person(self, *roles: tuple[Role, uuid.UUID | None]) -> Person:
        person = await make_user(self.app, self.tenant.id, roles=list(roles))
        self._clients.append(person.api)
        return person

    async def key_client(self, key: str) -> httpx.AsyncClient:
        client = api_client(self.app, key)
        self._clients.append(client)
        return client

    async def site(self, name: str = "Site", account_id: uuid.UUID | None = None) -> uuid.UUID:
        def unit(uow: UnitOfWork) -> uuid.UUID:
            site = Site(name=name, account_id=account_id, address=f"{name} street 1")
            uow.session.add(site)
            uow.session.flush()
            return site.id

        return await self.write(unit)

    async def charge_point(self, *, account_id: uuid.UUID | None = None, site_id: uuid.UUID | None = None,
                           community: bool = False, public: bool = False,
                           registration_status: str = "accepted", name: str | None = None) -> dict[str, Any]:
        cp = await register_charger(self.tenant.api, name=name)
        cp_id = uuid.UUID(cp["id"])

        def place(uow: UnitOfWork) -> None:
            row = uow.session.get(ChargePoint, cp_id)
            assert row is not None
            row.account_id, row.site_id, row.community, row.public = account_id, site_id, community, public
            row.registration_status = registration_status

        await self.write(place)
        return cp

    async def connect(self, cp: dict[str, Any]) -> RawCharger:
        charger = await RawCharger.connect(self.app.ws_url, cp["identity"])
        charger.cp_id = cp["id"]
        self._chargers.append(charger)
        await charger.boot()
        return charger

    async def disable(self, user_id: uuid.UUID) -> None:
        def unit(uow: UnitOfWork) -> None:
            user = uow.session.get(User, user_id)
            assert user is not None
            user.status = "disabled"

        await self.write(unit)

    async def audit(self, object_id: str | uuid.UUID | None = None) -> list[AuditEntry]:
        def unit(uow: UnitOfWork) -> list[AuditEntry]:
            query = select(AuditEntry).order_by(AuditEntry.id)
            if object_id is not None:
                query = query.where(AuditEntry.object_id == str(object_id))
            rows = list(uow.session.scalars(query))
            uow.session.expunge_all()
            return rows

        return await self.read(unit)

    async def close(self) -> None:
        for charger in self._chargers:
            await charger.close()
        for client in self._clients:
            await client.aclose()


async def card(api: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await api.post(f"{API}/id-tokens", json=fields)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def authorize(charger: RawCharger, uid: str) -> str:
    reply = await charger.result("Authorize", {"idTag": uid})
    status: str = reply["idTagInfo"]["status"]
    return status


async def start_from_app(person: Person, charger: RawCharger, body: dict[str, Any] | None = None,
                         reply: str = "Accepted") -> tuple[dict[str, Any], httpx.Response]:
    """The driver presses start in the app; the charger answers the RemoteStartTransaction it gets.
    Returns what the charger was sent and the app's answer."""
    request = asyncio.create_task(person.api.post(f"{API}/me/charge-points/{charger.cp_id}/start", json=body or {}))
    unique_id, action, payload = (await charger.next_call())[1:]
    assert action == "RemoteStartTransaction"
    await charger.reply(unique_id, {"status": reply})
    return payload, await request


@pytest.fixture
async def world(running_app: RunningApp, tenant: TenantHandle) -> AsyncIterator[World]:
    built = World(running_app, tenant)
    yield built
    await built.close()
