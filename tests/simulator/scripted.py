"""A scripted central system in the test process: it answers each CALL as the test says (or not at all),
for what the real app never does on purpose: CALLERRORs, silence, slowness, odd CALLs of its own."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.typing import Subprotocol

from chargeplane.simulator.framing import timestamp

# A CALLRESULT payload, (error code, description) for a CALLERROR, or None for no answer at all.
Reply = dict[str, Any] | tuple[str, str] | None


class Default:
    """What a script returns to leave the answer to the default (an ordinary, accepting central system)."""


DEFAULT = Default()
Script = Callable[[str, dict[str, Any]], Awaitable[Reply | Default]]


class ScriptedCentralSystem:
    def __init__(self, script: Script | None = None) -> None:
        self.script = script
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.outstanding = 0
        self.max_outstanding = 0
        self._ids = itertools.count(1001)
        self._server: Server | None = None
        self._ws: ServerConnection | None = None
        self._waiting: dict[str, asyncio.Future[list[Any]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> ScriptedCentralSystem:
        self._server = await serve(self._handle, "127.0.0.1", 0, subprotocols=[Subprotocol("ocpp1.6")])
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}/ocpp"

    def actions(self, *only: str) -> list[str]:
        return [a for a, _ in self.calls if not only or a in only]

    async def call(self, action: str, payload: dict[str, Any]) -> list[Any]:
        """Send the charger a CALL and return its answering frame."""
        assert self._ws is not None
        unique_id = f"csms-{next(self._ids)}"
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._waiting[unique_id] = future
        await self._ws.send(orjson.dumps([2, unique_id, action, payload]).decode())
        return await asyncio.wait_for(future, 5)

    async def send_raw(self, text: str) -> None:
        assert self._ws is not None
        await self._ws.send(text)

    async def _handle(self, ws: ServerConnection) -> None:
        self._ws = ws
        async for text in ws:
            frame = orjson.loads(text)
            if frame[0] in (3, 4):
                future = self._waiting.pop(frame[1], None)
                if future is not None:
                    future.set_result(frame)
                continue
            self.outstanding += 1
            self.max_outstanding = max(self.max_outstanding, self.outstanding)
            # Answered in a task, so that a second CALL sent before this answer would be seen at once.
            task = asyncio.create_task(self._answer(ws, frame))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _answer(self, ws: ServerConnection, frame: list[Any]) -> None:
        _, unique_id, action, payload = frame
        self.calls.append((action, payload))
        reply: Reply | Default = DEFAULT
        if self.script is not None:
            reply = await self.script(action, payload)
        if isinstance(reply, Default):
            reply = self.default(action, payload)
        self.outstanding -= 1
        if reply is None:
            return
        if isinstance(reply, tuple):
            await ws.send(orjson.dumps([4, unique_id, reply[0], reply[1], {}]).decode())
        else:
            await ws.send(orjson.dumps([3, unique_id, reply]).decode())

    def default(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        if action == "BootNotification":
            return {"status": "Accepted", "currentTime": timestamp(), "interval": 300}
        if action == "Heartbeat":
            return {"currentTime": timestamp()}
        if action == "Authorize":
            return {"idTagInfo": {"status": "Accepted"}}
        if action == "StartTransaction":
            return {"transactionId": next(self._ids), "idTagInfo": {"status": "Accepted"}}
        return {}
