"""One WebSocket connection of a charge point to its central system.

It reads frames in order, answers the server's CALLs through a handler, and sends our own CALLs one
at a time: OCPP-J allows a party a single outstanding CALL, so a second caller waits its turn.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Subprotocol

from chargeplane.simulator import framing
from chargeplane.simulator.stats import ChargerStats

log = logging.getLogger(__name__)

SUBPROTOCOL = Subprotocol("ocpp1.6")


class LinkError(Exception):
    """Our CALL got no usable answer."""


class NotConnected(LinkError):
    pass


class CallTimeout(LinkError):
    pass


class CallErrorReceived(LinkError):
    def __init__(self, code: str, description: str, details: dict[str, Any]) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.details = details


class HandshakeRefused(Exception):
    """The server did not let us in: an HTTP status (401, 404, 429...) or no OCPP 1.6 subprotocol."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(slots=True)
class Answer:
    """What we reply to a server CALL, and what to do once the reply is on the wire."""

    payload: dict[str, Any] | None = None
    error_code: str | None = None
    error_description: str = ""
    then: Callable[[], Awaitable[None]] | None = None

    @classmethod
    def error(cls, code: str, description: str) -> Answer:
        return cls(error_code=code, error_description=description)


CallHandler = Callable[[framing.Call], Answer]
Spawn = Callable[[Callable[[], Awaitable[None]]], None]


def basic_auth_header(identity: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{identity}:{password}".encode()).decode()


class Link:
    def __init__(self, ws: ClientConnection, *, identity: str, on_call: CallHandler, spawn: Spawn,
                 stats: ChargerStats, call_timeout: float) -> None:
        self.ws = ws
        self.identity = identity
        self.on_call = on_call
        self.spawn = spawn
        self.stats = stats
        self.call_timeout = call_timeout
        self.closed = asyncio.Event()
        self._call_lock = asyncio.Lock()
        self._pending: tuple[str, asyncio.Future[framing.CallResult | framing.CallError]] | None = None
        self._reader = asyncio.get_running_loop().create_task(self._read(), name=f"{identity}-reader")

    @classmethod
    async def open(cls, url: str, *, identity: str, password: str | None, on_call: CallHandler, spawn: Spawn,
                   stats: ChargerStats, call_timeout: float, open_timeout: float) -> Link:
        headers = {"Authorization": basic_auth_header(identity, password)} if password is not None else {}
        try:
            ws = await connect(
                f"{url.rstrip('/')}/{identity}", subprotocols=[SUBPROTOCOL], additional_headers=headers,
                open_timeout=open_timeout, compression=None,
                proxy=None,  # a charger talks to its central system directly; no HTTP(S)_PROXY surprises
                user_agent_header="chargeplane-simulator",
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            raise HandshakeRefused(f"HTTP {status}", status) from None
        except (InvalidHandshake, OSError, TimeoutError) as exc:
            raise HandshakeRefused(type(exc).__name__) from None
        if ws.subprotocol != SUBPROTOCOL:
            # OCPP-J: a server that does not agree on the subprotocol completes the handshake and closes.
            await ws.close()
            raise HandshakeRefused("the server did not accept ocpp1.6")
        return cls(ws, identity=identity, on_call=on_call, spawn=spawn, stats=stats, call_timeout=call_timeout)

    @property
    def is_open(self) -> bool:
        return not self.closed.is_set()

    async def call(self, action: str, payload: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """Send a CALL and return the CALLRESULT payload; raises CallErrorReceived, CallTimeout, NotConnected."""
        if not self.is_open:
            raise NotConnected(f"{self.identity} is offline")
        async with self._call_lock:
            if not self.is_open:
                raise NotConnected(f"{self.identity} is offline")
            unique_id = str(uuid.uuid4())
            future: asyncio.Future[framing.CallResult | framing.CallError] = (
                asyncio.get_running_loop().create_future())
            self._pending = (unique_id, future)
            try:
                sent_at = time.perf_counter()
                try:
                    await self.ws.send(framing.encode_call(unique_id, action, payload))
                except ConnectionClosed:
                    raise NotConnected(f"{self.identity} lost its connection") from None
                self.stats.calls_sent += 1
                self.stats.sent_by_action[action] += 1
                try:
                    reply = await asyncio.wait_for(future, timeout or self.call_timeout)
                except TimeoutError:
                    self.stats.timeouts += 1
                    raise CallTimeout(f"no answer to {action} within {timeout or self.call_timeout:g} s") from None
                self.stats.round_trips.record(time.perf_counter() - sent_at)
            finally:
                self._pending = None
        if isinstance(reply, framing.CallError):
            self.stats.call_errors_received += 1
            raise CallErrorReceived(reply.code, reply.description, reply.details)
        self.stats.results_received += 1
        return reply.payload

    async def close(self, code: int = 1000, reason: str = "") -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(code, reason), 5)
        await self._finish()

    def abort(self) -> None:
        """Drop the TCP connection without a closing handshake, as a network failure would."""
        self.ws.transport.abort()

    async def wait_closed(self) -> None:
        await self.closed.wait()

    async def _finish(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                await self._on_frame(message)
        except ConnectionClosed:
            pass
        except Exception:
            log.exception("%s: reading from the socket failed", self.identity)
        finally:
            self.closed.set()
            pending = self._pending
            if pending is not None and not pending[1].done():
                pending[1].set_exception(NotConnected(f"{self.identity} lost its connection"))

    async def _on_frame(self, text: str | bytes) -> None:
        try:
            frame = framing.parse_frame(text)
        except framing.MalformedFrame as exc:
            log.warning("%s: unusable frame from the server: %s", self.identity, exc)
            if exc.unique_id is not None:
                await self._send_answer(exc.unique_id, Answer.error(framing.PROTOCOL_ERROR, str(exc)))
            return
        if isinstance(frame, framing.Call):
            self.stats.calls_received += 1
            try:
                answer = self.on_call(frame)
            except KeyError as exc:
                answer = Answer.error(framing.PROTOCOL_ERROR, f"required field {exc} is missing")
            except (TypeError, ValueError) as exc:
                answer = Answer.error(framing.TYPE_CONSTRAINT_VIOLATION, str(exc))
            except Exception:
                log.exception("%s: handling %s failed", self.identity, frame.action)
                answer = Answer.error(framing.INTERNAL_ERROR, "the charge point could not process this")
            await self._send_answer(frame.unique_id, answer)
            if answer.then is not None:
                self.spawn(answer.then)
            return
        pending = self._pending
        if pending is None or pending[0] != frame.unique_id or pending[1].done():
            log.info("%s: discarding an answer nobody waits for (late or unknown)", self.identity)
            return
        pending[1].set_result(frame)

    async def _send_answer(self, unique_id: str, answer: Answer) -> None:
        if answer.error_code is not None:
            self.stats.call_errors_sent += 1
            text = framing.encode_error(unique_id, answer.error_code, answer.error_description)
        else:
            text = framing.encode_result(unique_id, answer.payload or {})
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send(text)
