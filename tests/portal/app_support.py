"""For the driver app's page tests: a world of accounts and chargers (`tests.cards.support.World`) with
drivers logged in to the app in a browser-like client, pressing buttons that reach real chargers, and
reading the app's live streams."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.models import Site
from chargeplane.domain.identity.permissions import Role
from tests.cards.support import API, World
from tests.portal.support import PortalPerson, portal_user
from tests.support.chargers import RawCharger, iso
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

ENERGY_AND_START = [{"price_components": [{"type": "FLAT", "price": "0.50"}]},
                    {"price_components": [{"type": "ENERGY", "price": "0.30", "step_size": 1}]}]


class AppWorld(World):
    """A World whose people can also use the driver app's pages."""

    def __init__(self, app: RunningApp, tenant: TenantHandle) -> None:
        super().__init__(app, tenant)
        self._drivers: list[PortalPerson] = []

    async def driver(self, *roles: tuple[Role, uuid.UUID | None]) -> PortalPerson:
        person = await portal_user(self.app, self.tenant.id, self.tenant.slug,
                                   roles=list(roles) or [(Role.DRIVER, None)])
        self._drivers.append(person)
        return person

    async def placed_site(self, name: str, account_id: uuid.UUID | None, *, lat: float | None = None,
                          lng: float | None = None) -> uuid.UUID:
        site = await self.site(name, account_id)

        def place(uow: UnitOfWork) -> None:
            row = uow.session.get(Site, site)
            assert row is not None
            row.latitude, row.longitude = lat, lng

        await self.write(place)
        return site

    async def tariff(self, cp: dict[str, Any], elements: list[dict[str, Any]] | None = None) -> None:
        created = await self.tenant.api.post(f"{API}/tariffs", json={
            "name": "App price", "elements": elements or ENERGY_AND_START, "charge_point_id": cp["id"]})
        assert created.status_code == 201, created.text

    async def at_home(self, uid: str | None = None) -> tuple[dict[str, Any], RawCharger, PortalPerson]:
        """A driver of an account with its connected charger "Home", and (given `uid`) their card."""
        account = await self.account("Mine")
        cp = await self.charge_point(account_id=account, name="Home")
        charger = await self.connect(cp)
        driver = await self.driver((Role.DRIVER, account))
        if uid is not None:
            assert (await driver.portal.post("/app/cards", {"uid": uid})).status_code == 303
        return cp, charger, driver

    async def close(self) -> None:
        for person in self._drivers:
            await person.portal.aclose()
            await person.person.api.aclose()
        await super().close()


@pytest.fixture
async def app_world(running_app: RunningApp, tenant: TenantHandle) -> AsyncIterator[AppWorld]:
    built = AppWorld(running_app, tenant)
    yield built
    await built.close()


async def press(person: PortalPerson, path: str, form: dict[str, Any], charger: RawCharger,
                reply: dict[str, Any]) -> tuple[str, dict[str, Any], httpx.Response]:
    """A form post that makes the app call the charger: the charger answers `reply`. Returns the
    action and payload the charger got, and the page's answer."""
    request = asyncio.create_task(person.portal.post(path, form))
    unique_id, action, payload = (await charger.next_call())[1:]
    await charger.reply(unique_id, reply)
    return action, payload, await request


async def charge(charger: RawCharger, id_tag: str, *, meter_start: int, at: datetime) -> int:
    """The car plugs in: the charger starts the transaction the app asked for."""
    started = await charger.result("StartTransaction", {"connectorId": 1, "idTag": id_tag, "meterStart": meter_start,
                                                        "timestamp": iso(at)})
    assert started["idTagInfo"]["status"] == "Accepted", started
    transaction_id: int = started["transactionId"]
    return transaction_id


async def meter(charger: RawCharger, transaction_id: int, at: datetime, register_wh: int,
                power_w: int | None = None) -> None:
    values = [{"value": str(register_wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]
    if power_w is not None:
        values.append({"value": str(power_w), "measurand": "Power.Active.Import", "unit": "W"})
    await charger.result("MeterValues", {"connectorId": 1, "transactionId": transaction_id,
                                         "meterValue": [{"timestamp": iso(at), "sampledValue": values}]})


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


async def sse_until(client: httpx.AsyncClient, path: str, *, first: Callable[[str], bool] = lambda _: True,
                    then: Callable[[], Any] | None = None, until: Callable[[str], bool] = lambda _: True,
                    timeout: float = 10) -> tuple[str, str]:
    """Open a live stream: wait for an update that satisfies `first`, run `then` (which changes
    something), and wait for an update that satisfies `until`. Returns both updates' HTML."""
    async def read() -> tuple[str, str]:
        async with client.stream("GET", path) as response:
            assert response.status_code == 200, await response.aread()
            assert response.headers["content-type"].startswith("text/event-stream")
            seen: str | None = None
            data: list[str] = []
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    data.append(line[6:])
                    continue
                if line or not data:
                    continue
                html, data = "\n".join(data), []
                if seen is None:
                    if first(html):
                        seen = html
                        if then is not None:
                            await then()
                            continue
                    else:
                        continue
                if until(html):
                    return seen, html
        raise AssertionError("the stream ended")

    return await asyncio.wait_for(read(), timeout)
