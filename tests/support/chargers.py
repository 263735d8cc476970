"""Chargers for tests: a raw OCPP-J socket for exact frames, and the `ocpp` package's ChargePoint
as an independent implementation of the protocol."""

from __future__ import annotations

import asyncio
import base64
import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import websockets
from websockets.asyncio.client import ClientConnection

DEFAULT_PASSWORD = "test-password-1"


def new_identity(prefix: str = "CP") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def basic_auth(identity: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{identity}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def register_charger(api: httpx.AsyncClient, identity: str | None = None,
                           password: str = DEFAULT_PASSWORD, **fields: Any) -> dict[str, Any]:
    response = await api.post("/api/v1/charge-points",
                              json={"identity": identity or new_identity(), "password": password, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def open_socket(ws_url: str, identity: str, password: str | None = DEFAULT_PASSWORD,
                      subprotocols: list[str] | None = None, path: str | None = None) -> ClientConnection:
    headers = basic_auth(identity, password) if password is not None else {}
    return await websockets.connect(
        f"{ws_url}/{path or identity}", subprotocols=subprotocols or ["ocpp1.6"],  # type: ignore[list-item]
        additional_headers=headers, open_timeout=10, max_size=2**22,
    )


class RawCharger:
    """Speaks OCPP-J by hand: sends exactly the frames a test wants and reads exactly what comes back."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._ids = itertools.count(1)

    @classmethod
    async def connect(cls, ws_url: str, identity: str, password: str = DEFAULT_PASSWORD, **kw: Any) -> RawCharger:
        return cls(await open_socket(ws_url, identity, password, **kw))

    async def send_raw(self, text: str) -> None:
        await self.ws.send(text)

    async def recv(self, timeout: float = 10) -> list[Any]:
        frame: list[Any] = orjson.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        return frame

    async def call(self, action: str, payload: dict[str, Any], unique_id: str | None = None) -> list[Any]:
        """Send a CALL and return the frame that answers it (CALLRESULT or CALLERROR)."""
        unique_id = unique_id or f"m{next(self._ids)}"
        await self.ws.send(orjson.dumps([2, unique_id, action, payload]).decode())
        while True:
            frame = await self.recv()
            if frame[0] in (3, 4) and frame[1] == unique_id:
                return frame
            if frame[0] == 2:  # a CALL from the server while we wait: not what this helper is for
                raise AssertionError(f"unexpected CALL from the server: {frame}")

    async def result(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        frame = await self.call(action, payload)
        assert frame[0] == 3, f"{action} answered with {frame}"
        result: dict[str, Any] = frame[2]
        return result

    async def boot(self) -> dict[str, Any]:
        return await self.result("BootNotification", {"chargePointVendor": "TestVendor", "chargePointModel": "T1"})

    async def close(self) -> None:
        await self.ws.close()
