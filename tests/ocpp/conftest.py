"""Fixtures for the OCPP 1.6J conformance tests: chargers of one tenant, and apps with custom settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from chargeplane.config import Settings
from tests.conftest import test_settings as make_settings
from tests.support.chargers import OcppCharger, RawCharger, register_charger
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle, api_client, create_tenant


class Fleet:
    """Registers chargers for one tenant and connects them; closes every socket at the end of the test."""

    def __init__(self, app: RunningApp, tenant: TenantHandle) -> None:
        self.app = app
        self.tenant = tenant
        self._open: list[RawCharger | OcppCharger] = []

    async def register(self, **fields: Any) -> dict[str, Any]:
        return await register_charger(self.tenant.api, **fields)

    async def raw(self, cp: dict[str, Any] | None = None, *, boot: bool = True, **fields: Any) -> RawCharger:
        """A RawCharger for `cp` (registered now if not given), booted unless told otherwise."""
        cp = cp or await self.register(**fields)
        charger = await RawCharger.connect(self.app.ws_url, cp["identity"])
        charger.cp_id = cp["id"]
        self._open.append(charger)
        if boot:
            await charger.boot()
        return charger

    async def ocpp(self, cp: dict[str, Any] | None = None, *, boot: bool = True,
                   replies: dict[str, Any] | None = None, **fields: Any) -> OcppCharger:
        """The `ocpp` package's ChargePoint for `cp`, serving in the background, booted unless told
        otherwise, answering with `replies` (besides the defaults) from the start."""
        cp = cp or await self.register(**fields)
        charger = await OcppCharger.connect(self.app.ws_url, cp["identity"], replies=replies)
        charger.cp_id = cp["id"]
        self._open.append(charger)
        if boot:
            await charger.boot()
        return charger

    def track(self, charger: RawCharger | OcppCharger) -> None:
        self._open.append(charger)

    async def close(self) -> None:
        for charger in self._open:
            await charger.close()


@pytest.fixture
async def fleet(running_app: RunningApp, tenant: TenantHandle) -> AsyncIterator[Fleet]:
    chargers = Fleet(running_app, tenant)
    yield chargers
    await chargers.close()


AppFactory = Callable[..., RunningApp]


@pytest.fixture
def app_with(database_url: str) -> Iterator[AppFactory]:
    """Start an app with some settings changed (e.g. a low handshake failure limit); stopped at the end."""
    started: list[RunningApp] = []

    def start(**overrides: object) -> RunningApp:
        settings: Settings = make_settings(database_url, **overrides)
        app = RunningApp(settings).start()
        started.append(app)
        return app

    yield start
    for app in started:
        app.stop()


async def tenant_of(app: RunningApp, **kw: Any) -> TenantHandle:
    """A tenant on an app started by `app_with` (close its client with `await handle.api.aclose()`)."""
    tenant_id, slug, key = await create_tenant(app, **kw)
    return TenantHandle(tenant_id, slug, key, api_client(app, key))
