"""Chargers for tests: a raw OCPP-J socket for exact frames, and the `ocpp` package's ChargePoint
as an independent implementation of the protocol."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import websockets
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint as OcppChargePoint
from ocpp.v16 import call, call_result
from ocpp.v16.enums import Action
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

DEFAULT_PASSWORD = "test-password-1"
BOOT_PAYLOAD = {"chargePointVendor": "TestVendor", "chargePointModel": "T1"}


def new_identity(prefix: str = "CP") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def now_iso() -> str:
    return iso(datetime.now(UTC))


def iso(moment: datetime) -> str:
    """An OCPP date-time: UTC with milliseconds and a 'Z'."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


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

    def __init__(self, ws: ClientConnection, identity: str = "") -> None:
        self.ws = ws
        self.identity = identity
        self.cp_id = ""  # the charge point's id in the API, when the test knows it
        self._ids = itertools.count(1)

    @classmethod
    async def connect(cls, ws_url: str, identity: str, password: str = DEFAULT_PASSWORD,
                      **kw: Any) -> RawCharger:
        return cls(await open_socket(ws_url, identity, password, **kw), identity)

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
        return await self.result("BootNotification", BOOT_PAYLOAD)

    async def error(self, action: str, payload: dict[str, Any] | list[Any] | str) -> list[Any]:
        """Send a CALL that must be refused; return its CALLERROR frame."""
        unique_id = f"m{next(self._ids)}"
        await self.ws.send(orjson.dumps([2, unique_id, action, payload]).decode())
        frame = await self.recv()
        assert frame[:2] == [4, unique_id], f"{action} answered with {frame}"
        return frame

    async def next_call(self, timeout: float = 10) -> list[Any]:
        """The next CALL the server sends us (fails on anything else)."""
        frame = await self.recv(timeout)
        assert frame[0] == 2, f"expected a CALL from the server, got {frame}"
        return frame

    async def reply(self, unique_id: str, payload: dict[str, Any]) -> None:
        await self.ws.send(orjson.dumps([3, unique_id, payload]).decode())

    async def reply_error(self, unique_id: str, code: str, description: str = "",
                          details: dict[str, Any] | None = None) -> None:
        await self.ws.send(orjson.dumps([4, unique_id, code, description, details or {}]).decode())

    async def silent_for(self, seconds: float) -> bool:
        """True if the server sends nothing for `seconds` (for checking that something is *not* sent)."""
        try:
            frame = await asyncio.wait_for(self.ws.recv(), seconds)
        except TimeoutError:
            return True
        raise AssertionError(f"the server sent {frame!r}")

    async def closed_code(self, timeout: float = 10) -> int | None:
        """Wait until the server closes the socket; return the close code it sent."""
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        except ConnectionClosed:
            pass
        return self.ws.close_code

    async def close(self) -> None:
        await self.ws.close()


def default_replies() -> dict[str, Any]:
    """What OcppCharger answers to each Core command unless a test says otherwise."""
    return {
        "RemoteStartTransaction": call_result.RemoteStartTransaction(status="Accepted"),
        "RemoteStopTransaction": call_result.RemoteStopTransaction(status="Accepted"),
        "Reset": call_result.Reset(status="Accepted"),
        "UnlockConnector": call_result.UnlockConnector(status="Unlocked"),
        "ChangeAvailability": call_result.ChangeAvailability(status="Scheduled"),
        "GetConfiguration": call_result.GetConfiguration(
            configuration_key=[{"key": "HeartbeatInterval", "readonly": False, "value": "300"}],
            unknown_key=["NoSuchKey"]),
        "ChangeConfiguration": call_result.ChangeConfiguration(status="RebootRequired"),
        "ClearCache": call_result.ClearCache(status="Accepted"),
        "TriggerMessage": call_result.TriggerMessage(status="Accepted"),
        "DataTransfer": call_result.DataTransfer(status="Accepted", data="pong"),
        "ReserveNow": call_result.ReserveNow(status="Accepted"),
        "CancelReservation": call_result.CancelReservation(status="Accepted"),
        "GetDiagnostics": call_result.GetDiagnostics(file_name="diag-20261122.tar.gz"),
        "UpdateFirmware": call_result.UpdateFirmware(),
        "SetChargingProfile": call_result.SetChargingProfile(status="Accepted"),
        "ClearChargingProfile": call_result.ClearChargingProfile(status="Accepted"),
        "GetCompositeSchedule": call_result.GetCompositeSchedule(
            status="Accepted", connector_id=0, schedule_start="2026-12-08T00:00:00Z",
            charging_schedule={"chargingRateUnit": "A", "duration": 3600,
                               "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}]}),
    }


class OcppCharger(OcppChargePoint):  # type: ignore[misc]  # the ocpp package is untyped
    """The `ocpp` package's ChargePoint as an independent 1.6 charger: it answers every Core command
    from `replies` and keeps each CALL the server sent, exactly as it arrived, in `calls`."""

    def __init__(self, identity: str, ws: ClientConnection) -> None:
        super().__init__(identity, ws, response_timeout=10)
        self.ws = ws
        self.cp_id = ""
        self.replies = default_replies()
        self.calls: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        # Every CALL with the moment it arrived, for tests of the order of calls across chargers.
        self.call_log: list[tuple[float, str, dict[str, Any]]] = []
        self.boots: asyncio.Queue[Any] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def connect(cls, ws_url: str, identity: str, password: str = DEFAULT_PASSWORD,
                      replies: dict[str, Any] | None = None) -> OcppCharger:
        """`replies` are in place before the first CALL the server sends is read."""
        charger = cls(identity, await open_socket(ws_url, identity, password))
        charger.replies.update(replies or {})
        charger._task = asyncio.create_task(charger._serve())
        return charger

    async def _serve(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self.start()

    async def route_message(self, raw_msg: str) -> None:
        frame = orjson.loads(raw_msg)
        if isinstance(frame, list) and frame and frame[0] == 2:
            self.calls.put_nowait((frame[2], frame[3]))
            self.call_log.append((time.monotonic(), frame[2], frame[3]))
        await super().route_message(raw_msg)

    async def next_call(self, timeout: float = 10) -> tuple[str, dict[str, Any]]:
        return await asyncio.wait_for(self.calls.get(), timeout)

    async def boot(self) -> Any:
        request = call.BootNotification(charge_point_model="T1", charge_point_vendor="TestVendor")
        return await self.call(request, suppress=False)

    async def close(self) -> None:
        await self.ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @on(Action.remote_start_transaction)
    def _remote_start(self, **_: Any) -> Any:
        return self.replies["RemoteStartTransaction"]

    @on(Action.remote_stop_transaction)
    def _remote_stop(self, **_: Any) -> Any:
        return self.replies["RemoteStopTransaction"]

    @on(Action.reset)
    def _reset(self, **_: Any) -> Any:
        return self.replies["Reset"]

    @on(Action.unlock_connector)
    def _unlock(self, **_: Any) -> Any:
        return self.replies["UnlockConnector"]

    @on(Action.change_availability)
    def _change_availability(self, **_: Any) -> Any:
        return self.replies["ChangeAvailability"]

    @on(Action.get_configuration)
    def _get_configuration(self, **_: Any) -> Any:
        return self.replies["GetConfiguration"]

    @on(Action.change_configuration)
    def _change_configuration(self, **_: Any) -> Any:
        return self.replies["ChangeConfiguration"]

    @on(Action.clear_cache)
    def _clear_cache(self, **_: Any) -> Any:
        return self.replies["ClearCache"]

    @on(Action.trigger_message)
    def _trigger(self, **_: Any) -> Any:
        return self.replies["TriggerMessage"]

    @after(Action.trigger_message)
    async def _after_trigger(self, requested_message: str, **_: Any) -> None:
        # A charger asked to boot does so right after answering, as a real one would.
        if requested_message == "BootNotification" and self.replies["TriggerMessage"].status == "Accepted":
            self.boots.put_nowait(await self.boot())

    @on(Action.data_transfer)
    def _data_transfer(self, **_: Any) -> Any:
        return self.replies["DataTransfer"]

    @on(Action.reserve_now)
    def _reserve_now(self, **_: Any) -> Any:
        return self.replies["ReserveNow"]

    @on(Action.cancel_reservation)
    def _cancel_reservation(self, **_: Any) -> Any:
        return self.replies["CancelReservation"]

    @on(Action.get_diagnostics)
    def _get_diagnostics(self, **_: Any) -> Any:
        return self.replies["GetDiagnostics"]

    @on(Action.update_firmware)
    def _update_firmware(self, **_: Any) -> Any:
        return self.replies["UpdateFirmware"]

    @on(Action.set_charging_profile)
    def _set_charging_profile(self, **_: Any) -> Any:
        return self.replies["SetChargingProfile"]

    @on(Action.clear_charging_profile)
    def _clear_charging_profile(self, **_: Any) -> Any:
        return self.replies["ClearChargingProfile"]

    @on(Action.get_composite_schedule)
    def _get_composite_schedule(self, **_: Any) -> Any:
        return self.replies["GetCompositeSchedule"]
