"""Offline means no message or pong within the configured time: a charger whose connection dies
silently (it answers no WebSocket ping) is disconnected and counted offline by the fleet status."""

from __future__ import annotations

import asyncio
import base64
import os
from urllib.parse import urlparse

import orjson

from tests.ocpp.conftest import AppFactory, tenant_of
from tests.ocpp.helpers import eventually
from tests.support.chargers import DEFAULT_PASSWORD, register_charger


def masked_text_frame(text: str) -> bytes:
    """One client WebSocket text frame (clients must mask), small enough for a 7-bit length."""
    payload, mask = text.encode(), os.urandom(4)
    assert len(payload) < 126
    return bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def silent_charger(ws_url: str, identity: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A charger that upgrades, boots, and then reads nothing and answers nothing, not even pings:
    what a dead mobile link looks like from the server."""
    url = urlparse(f"{ws_url}/{identity}")
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    auth = base64.b64encode(f"{identity}:{DEFAULT_PASSWORD}".encode()).decode()
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write((f"GET {url.path} HTTP/1.1\r\nHost: {url.hostname}:{url.port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                  f"Sec-WebSocket-Protocol: ocpp1.6\r\nAuthorization: Basic {auth}\r\n\r\n").encode())
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    boot = orjson.dumps([2, "b1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}])
    writer.write(masked_text_frame(boot.decode()))
    await writer.drain()
    return reader, writer


async def test_a_charger_that_answers_no_ping_goes_offline(app_with: AppFactory) -> None:
    app = app_with(ocpp_ping_interval=0.5, ocpp_ping_timeout=0.5)
    tenant = await tenant_of(app)
    try:
        cp = await register_charger(tenant.api)
        reader, writer = await silent_charger(app.ws_url, cp["identity"])

        async def status() -> dict[str, object]:
            return dict((await tenant.api.get("/api/v1/fleet/status")).json())

        async def online() -> bool:
            return bool((await tenant.api.get(f"/api/v1/charge-points/{cp['id']}")).json()["connected"])

        async def offline() -> bool:
            return not await online()

        await eventually(online, what="the charger online after its boot")
        # Nothing was read, so its pong never comes: after the interval and the timeout it is offline.
        await eventually(offline, timeout=5, what="the charger counted offline")
        fleet = await status()
        assert fleet["counts"]["offline"] == 1 and fleet["total"] == 1, fleet  # type: ignore[index]
        # What the server sent until it gave up: the boot's CALLRESULT (a text frame) and its ping(s).
        sent = await asyncio.wait_for(reader.read(), timeout=5)
        assert sent[0] == 0x81 and b"\x89" in sent[1:]
        writer.close()
    finally:
        await tenant.api.aclose()

