"""One charger's live WebSocket: reads its frames in order, answers them, and sends it our CALLs.

Frames from the charger are handled one at a time, in the order they arrive, so that messages a
charger replays after being offline are processed in order. Each CALL's effects and its record in
the message log commit in one unit of work before the CALLRESULT leaves: an acknowledgement means
the data is durable. At most one CALL of ours is outstanding at a time.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from chargeplane.bus import (
    ChargerBusy,
    ChargerCallError,
    ChargerNotConnected,
    ChargerPending,
    ChargerRejected,
    ChargerReplyInvalid,
    ChargerTimeout,
    InvalidCommand,
)
from chargeplane.config import Settings
from chargeplane.db import Database, Scope, UnitOfWork, utcnow
from chargeplane.domain.assets import charger_reports
from chargeplane.domain.chargerlog.service import record_exchange
from chargeplane.domain.errors import DomainError
from chargeplane.domain.sessions.known import KnownSessions
from chargeplane.ocpp import frames
from chargeplane.ocpp.adapter import Adapter, CallContext
from chargeplane.ocpp.errors import (
    GENERIC_ERROR,
    INTERNAL_ERROR,
    NOT_IMPLEMENTED,
    NOT_SUPPORTED,
    PROPERTY_CONSTRAINT_VIOLATION,
    SECURITY_ERROR,
    UNREADABLE_ID,
    CallErrorReply,
)

log = logging.getLogger(__name__)

SendText = Callable[[str], Awaitable[None]]
Close = Callable[[int, str], Awaitable[None]]


class Connection:
    def __init__(
        self,
        *,
        identity: str,
        charge_point_id: uuid.UUID,
        tenant_id: uuid.UUID,
        boot_status: str | None,
        adapter: Adapter,
        db: Database,
        settings: Settings,
        send_text: SendText,
        close: Close,
    ) -> None:
        self.identity = identity
        self.charge_point_id = charge_point_id
        self.tenant_id = tenant_id
        self.scope = Scope.tenant(tenant_id)
        # The answer to the last BootNotification. Only "Accepted" may send anything but a boot.
        self.boot_status = boot_status
        self.adapter = adapter
        self.db = db
        self.settings = settings
        self._send_text = send_text
        self._close = close
        self.connected_at = utcnow()
        self.last_seen = self.connected_at
        self._last_seen_written = self.connected_at
        self.closed = False
        self._send_lock = asyncio.Lock()
        self._call_lock = asyncio.Lock()
        self.known_sessions = KnownSessions(charge_point_id)
        # Messages a Pending charger was asked for with TriggerMessage; OCPP 1.6 §4.2 lets it send those.
        self._triggered: set[str] = set()
        self._pending: tuple[str, asyncio.Future[frames.CallResult | frames.CallError]] | None = None

    # ---- frames from the charger -------------------------------------------------------------

    async def on_frame(self, text: str) -> None:
        self.last_seen = utcnow()
        try:
            frame = frames.parse(text)
        except CallErrorReply as err:
            await self._answer_error(err, unique_id=err.unique_id or UNREADABLE_ID, action="", request=text)
            return
        if isinstance(frame, frames.Call):
            await self._on_call(frame, text)
        else:
            self._on_reply(frame)

    async def _on_call(self, call: frames.Call, text: str) -> None:
        received_at = self.last_seen
        ctx = CallContext(self.charge_point_id, self.tenant_id, self.identity, received_at, self.settings,
                          self.set_boot_status, self.known_sessions)
        try:
            handler = self.adapter.handlers.get(call.action)
            if handler is None:
                if call.action in self.adapter.schemas.actions:
                    raise CallErrorReply(NOT_SUPPORTED, f"{call.action} is not supported by this central system")
                raise CallErrorReply(NOT_IMPLEMENTED, "unknown action")
            if call.action != "BootNotification" and self.boot_status != "Accepted" \
                    and not self._was_triggered(call.action):
                raise CallErrorReply(SECURITY_ERROR, "the charge point has not been accepted (BootNotification)")
            self.adapter.schemas.check_request(call.action, call.payload)
            if frames.ESCAPED_NUL in text and frames.holds_nul(call.payload):
                raise CallErrorReply(PROPERTY_CONSTRAINT_VIOLATION, "a string holds a NUL character")
            since_written = (received_at - self._last_seen_written).total_seconds()
            write_seen = since_written >= self.settings.ocpp_last_seen_write_interval

            def unit(uow: UnitOfWork) -> str:
                reply = frames.encode_result(call.unique_id, handler(ctx, uow, call.payload))
                record_exchange(uow, charge_point_id=self.charge_point_id, direction="in", unique_id=call.unique_id,
                                action=call.action, request=text, response=reply, outcome="CallResult",
                                created_at=received_at, answered_at=utcnow())
                if write_seen:
                    charger_reports.record_seen(uow, charge_point_id=self.charge_point_id, at=received_at)
                return reply

            reply = await self.db.write(self.scope, unit)
            if write_seen:
                self._last_seen_written = received_at
        except CallErrorReply as err:
            await self._answer_error(err, unique_id=call.unique_id, action=call.action, request=text)
            return
        except DomainError as exc:
            log.warning("%s: %s refused: %s", self.identity, call.action, exc.message)
            await self._answer_error(CallErrorReply(GENERIC_ERROR, exc.message), unique_id=call.unique_id,
                                     action=call.action, request=text)
            return
        except Exception:
            # Never the payload in the log: it may carry secrets.
            log.exception("%s: handling %s failed", self.identity, call.action)
            await self._answer_error(CallErrorReply(INTERNAL_ERROR, "the central system could not process this"),
                                     unique_id=call.unique_id, action=call.action, request=text)
            return
        await self._send(reply)

    async def _answer_error(self, err: CallErrorReply, *, unique_id: str, action: str, request: str) -> None:
        reply = frames.encode_error(unique_id, err.code, err.description, err.details)
        log.info("%s: CALLERROR %s to %s: %s", self.identity, err.code, action or "an unreadable frame",
                 err.description)
        # Logged before it leaves, like a CALLRESULT: whoever reads the message log after the charger got
        # its answer finds the exchange there.
        await self._record(direction="in", unique_id=unique_id, action=action, request=request, response=reply,
                           outcome="CallError", created_at=self.last_seen)
        await self._send(reply)

    def _on_reply(self, frame: frames.CallResult | frames.CallError) -> None:
        pending = self._pending
        if pending is None or pending[0] != frame.unique_id or pending[1].done():
            log.info("%s: discarding a reply to %s that nobody waits for (late or unknown)",
                     self.identity, frame.unique_id[:64])
            return
        pending[1].set_result(frame)

    def _was_triggered(self, action: str) -> bool:
        if self.boot_status == "Pending" and action in self._triggered:
            self._triggered.discard(action)
            return True
        return False

    # ---- our CALLs to the charger -------------------------------------------------------------

    async def call(self, action: str, payload: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """Send a CALL and return the charger's CALLRESULT payload; CALLERRORs surface as ChargerCallError."""
        if self.closed:
            raise ChargerNotConnected(f"{self.identity} is not connected")
        if self.boot_status == "Rejected":
            raise ChargerRejected(f"{self.identity} was rejected at boot; nothing may be sent to it")
        if action not in self.adapter.command_actions:
            raise InvalidCommand(f"{action} is not a command a central system sends")
        if self.boot_status == "Pending" and action in self.adapter.not_while_pending:
            raise ChargerPending(f"{self.identity} is Pending; {action} may be sent only once it is accepted")
        try:
            self.adapter.schemas.check_request(action, payload)
        except CallErrorReply as err:
            raise InvalidCommand(err.description, field=err.details.get("field")) from None
        timeout = timeout or self.settings.ocpp_call_timeout
        try:
            await asyncio.wait_for(self._call_lock.acquire(), timeout)
        except TimeoutError:
            raise ChargerBusy(f"another command to {self.identity} is still outstanding") from None
        try:
            result = await self._call_locked(action, payload, timeout)
        finally:
            self._call_lock.release()
        if action == "TriggerMessage" and result.get("status") == "Accepted" and self.boot_status == "Pending":
            self._triggered.add(str(payload.get("requestedMessage")))
        return result

    async def _call_locked(self, action: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        unique_id = str(uuid.uuid4())
        future: asyncio.Future[frames.CallResult | frames.CallError] = asyncio.get_running_loop().create_future()
        self._pending = (unique_id, future)
        stored_request = frames.encode_call(unique_id, action, self.adapter.redact(action, payload))
        sent_at = utcnow()
        try:
            await self._send(frames.encode_call(unique_id, action, payload))
            reply = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            await self._record(direction="out", unique_id=unique_id, action=action, request=stored_request,
                               response=None, outcome="Timeout", created_at=sent_at)
            raise ChargerTimeout(f"{self.identity} did not answer {action} within {timeout:g} s") from None
        finally:
            self._pending = None
        if isinstance(reply, frames.CallError):
            response = frames.encode_error(unique_id, str(reply.code), str(reply.description), None)
            await self._record(direction="out", unique_id=unique_id, action=action, request=stored_request,
                               response=response, outcome="CallError", created_at=sent_at)
            raise ChargerCallError(str(reply.code), str(reply.description), reply.details)
        result = reply.payload
        response = frames.encode_result(unique_id, self.adapter.redact(f"{action}Response", result)
                                        if isinstance(result, dict) else result)
        await self._record(direction="out", unique_id=unique_id, action=action, request=stored_request,
                           response=response, outcome="CallResult", created_at=sent_at)
        try:
            self.adapter.schemas.check_response(action, result)
        except CallErrorReply as err:
            raise ChargerReplyInvalid(err.description) from None
        assert isinstance(result, dict)
        return result

    # ---- plumbing ------------------------------------------------------------------------------

    async def _send(self, text: str) -> None:
        if self.closed:
            raise ChargerNotConnected(f"{self.identity} is not connected")
        async with self._send_lock:
            try:
                await self._send_text(text)
            except Exception as exc:  # the socket went away under us
                raise ChargerNotConnected(f"{self.identity} disconnected") from exc

    async def _record(self, **fields: Any) -> None:
        """Keep the exchange in the message log; not money, so a failure here only logs."""
        try:
            await self.db.write(self.scope, lambda uow: record_exchange(
                uow, charge_point_id=self.charge_point_id, answered_at=utcnow(), **fields))
        except Exception:
            log.warning("%s: could not record an OCPP exchange", self.identity, exc_info=True)

    async def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.mark_closed()
        try:
            await self._close(code, reason)
        except Exception:
            log.debug("%s: close after the socket was gone", self.identity, exc_info=True)

    def mark_closed(self) -> None:
        self.closed = True
        pending = self._pending
        if pending is not None and not pending[1].done():
            pending[1].set_exception(ChargerNotConnected(f"{self.identity} disconnected"))

    def set_boot_status(self, status: str) -> None:
        self.boot_status = status

