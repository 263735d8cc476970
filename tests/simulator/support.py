"""Simulated chargers against the real app, and the small helpers the simulator tests share."""

from __future__ import annotations

import asyncio
import inspect
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import httpx
import jsonschema
import orjson

from chargeplane.simulator import ChargerOptions, SimulatedCharger
from tests.support.chargers import new_identity, register_charger
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

PASSWORD = "sim-password-1"

# Quick to fail, quick to come back: tests wait on events, never on long timers.
FAST: dict[str, Any] = {
    "call_timeout": 5.0, "open_timeout": 5.0, "backoff_initial": 0.05, "backoff_cap": 0.4,
    "reboot_seconds": 0.1, "boot_retry_seconds": 1.0, "meter_interval": 0.0, "heartbeat_interval": 300.0,
}


async def eventually(probe: Callable[[], Any], *, timeout: float = 15.0, what: str = "the condition") -> Any:
    """Poll `probe` (plain or async) until it returns something truthy, and return that; fail with
    `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.05)


@cache
def _validator(name: str) -> Callable[[Any], Any]:
    """The `ocpp` package's own 1.6 schema: an independent judge of what the simulator sends."""
    schema = orjson.loads((resources.files("ocpp.v16") / "schemas" / f"{name}.json").read_bytes())
    # jsonschema (what the `ocpp` package itself validates with), not the server's validator.
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    return validator.validate


def assert_valid_response(action: str, payload: dict[str, Any]) -> None:
    _validator(f"{action}Response")(payload)


def assert_valid_request(action: str, payload: dict[str, Any]) -> None:
    _validator(action)(payload)


@dataclass
class Simulation:
    """Chargers registered at one tenant of the running app; all stopped at the end of the test."""

    app: RunningApp
    tenant: TenantHandle
    chargers: list[SimulatedCharger] = field(default_factory=list)

    @property
    def api(self) -> httpx.AsyncClient:
        return self.tenant.api

    async def id_tag(self) -> str:
        uid = f"T{uuid.uuid4().hex[:12].upper()}"
        response = await self.api.post("/api/v1/id-tokens", json={"uid": uid})
        assert response.status_code == 201, response.text
        return uid

    async def charger(self, *, password: str = PASSWORD, registered_password: str | None = None,
                      ready: bool = True, register: bool = True, **options: Any
                      ) -> tuple[SimulatedCharger, dict[str, Any]]:
        """A registered charger with its own id tag; started and booted unless `ready` is False."""
        identity = options.pop("identity", None) or new_identity("SIM")
        cp: dict[str, Any] = {}
        if register:
            cp = await register_charger(self.api, identity, registered_password or password)
        id_tag = options.pop("id_tag", None) or await self.id_tag()
        charger = SimulatedCharger(ChargerOptions(url=self.app.ws_url, identity=identity, password=password,
                                                  id_tag=id_tag, **{**FAST, **options}))
        self.chargers.append(charger)
        if ready:
            charger.start()
            await charger.wait_ready(15)
        return charger, cp

    async def command(self, charge_point_id: str, action: str, payload: dict[str, Any] | None = None
                      ) -> httpx.Response:
        return await self.api.post(f"/api/v1/charge-points/{charge_point_id}/commands/{action}", json=payload or {})

    async def answer(self, charge_point_id: str, action: str, payload: dict[str, Any] | None = None
                     ) -> dict[str, Any]:
        """Send a command that must succeed; the reply is checked against the 1.6 schema too."""
        response = await self.command(charge_point_id, action, payload)
        assert response.status_code == 200, response.text
        reply: dict[str, Any] = response.json()
        assert_valid_response("".join(p.capitalize() for p in action.split("-")), reply)
        return reply

    async def sessions(self, charge_point_id: str, **filters: str) -> list[dict[str, Any]]:
        response = await self.api.get("/api/v1/sessions", params={"charge_point_id": charge_point_id, **filters})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def session_detail(self, session_id: str) -> dict[str, Any]:
        response = await self.api.get(f"/api/v1/sessions/{session_id}")
        assert response.status_code == 200, response.text
        detail: dict[str, Any] = response.json()
        return detail

    async def charge_point(self, charge_point_id: str) -> dict[str, Any]:
        response = await self.api.get(f"/api/v1/charge-points/{charge_point_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def messages(self, charge_point_id: str, limit: int = 500) -> list[dict[str, Any]]:
        """The server's message log for the charger, oldest first."""
        response = await self.api.get(f"/api/v1/charge-points/{charge_point_id}/messages", params={"limit": limit})
        assert response.status_code == 200, response.text
        return list(reversed(response.json()))

    async def stop_all(self) -> None:
        await asyncio.gather(*(c.stop(graceful=False) for c in self.chargers), return_exceptions=True)
