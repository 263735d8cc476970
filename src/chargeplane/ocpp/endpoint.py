"""The ASGI WebSocket endpoint chargers connect to: `/ocpp/{identity}` or `/ocpp/{tenant-slug}/{identity}`.

Security profile 1: HTTP Basic auth is checked before the upgrade. Unknown identity: 404; bad
credentials: 401; too many failures from one identity or address: 429. A second connection with the
same identity takes over only after passing the same check, so a failed attempt never disturbs the
live one.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any
from urllib.parse import unquote

from chargeplane.bus import LocalBus
from chargeplane.config import Settings
from chargeplane.db import Database, Scope, utcnow
from chargeplane.domain.assets import charger_reports
from chargeplane.domain.assets.charger_reports import ChargerCredentials
from chargeplane.domain.assets.credentials import PasswordHashing, check_identity, check_password
from chargeplane.domain.assets.events import ChargePointConnected, ChargePointDisconnected
from chargeplane.domain.errors import DomainError
from chargeplane.domain.tenancy.service import get_tenant_by_slug
from chargeplane.ocpp.adapter import Adapter
from chargeplane.ocpp.connection import Connection
from chargeplane.ocpp.ratelimit import FailureLimiter
from chargeplane.ocpp.registry import Registry

log = logging.getLogger(__name__)

Scope_ = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

PATH_PREFIX = "/ocpp/"


class Denied(Exception):
    def __init__(self, status: int, message: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or []


class OcppEndpoint:
    def __init__(self, *, db: Database, bus: LocalBus, registry: Registry, settings: Settings,
                 adapters: Mapping[str, Adapter], hashing: PasswordHashing) -> None:
        self.db = db
        self.bus = bus
        self.registry = registry
        self.settings = settings
        self.adapters = adapters
        self.hashing = hashing
        self.by_identity = FailureLimiter(limit=settings.ocpp_auth_failure_limit,
                                          window=settings.ocpp_auth_failure_window)
        self.by_address = FailureLimiter(limit=settings.ocpp_auth_failure_limit * 10,
                                         window=settings.ocpp_auth_failure_window)
        # identity -> (stored hash, keyed digest of the password last verified against it): a
        # reconnecting charger is not made to pay for Argon2 again, an attacker still is.
        self._verified: dict[str, tuple[str, bytes]] = {}
        self._cache_key = secrets.token_bytes(32)
        self._hash_slots = asyncio.Semaphore(4)

    async def __call__(self, scope: Scope_, receive: Receive, send: Send) -> None:
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        address = (scope.get("client") or ("?", 0))[0]
        try:
            credentials = await self._admit(scope, address)
        except Denied as denied:
            await _deny(scope, send, denied)
            return
        offered = scope.get("subprotocols") or []
        adapter = next((self.adapters[p] for p in offered if p in self.adapters), None)
        if adapter is None:
            # OCPP-J: without a subprotocol both sides agree on, complete the handshake and close at once.
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": 1002, "reason": "no supported OCPP subprotocol offered"})
            return
        await self._serve(credentials, adapter, receive, send)

    async def _admit(self, scope: Scope_, address: str) -> ChargerCredentials:
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if isinstance(raw_path, bytes) else scope.get("path", "")
        tenant_slug, identity = _split_path(path.split("?", 1)[0])
        if self.by_address.blocked(address) or self.by_identity.blocked(identity):
            raise Denied(429, "too many failed attempts; try again later", [(b"retry-after", b"60")])
        try:
            check_identity(identity)
        except DomainError:
            self.by_address.record_failure(address)
            raise Denied(404, "unknown charge point") from None
        credentials = await self.db.read(Scope.installation("charger handshake"),
                                         lambda uow: charger_reports.find_credentials(uow, identity=identity))
        password = _basic_password(scope, identity)
        if credentials is None and tenant_slug is not None:
            self.by_address.record_failure(address)  # registrations count too: no flood of Pending chargers
            credentials = await self._auto_register(tenant_slug, identity, password)
        if credentials is None:
            self.by_address.record_failure(address)
            raise Denied(404, "unknown charge point")
        if tenant_slug is not None and not await self._belongs(tenant_slug, credentials):
            self.by_address.record_failure(address)
            raise Denied(404, "unknown charge point")
        if password is None or not await self._verify(credentials, password):
            self.by_identity.record_failure(identity)
            self.by_address.record_failure(address)
            log.warning("%s: failed authentication from %s", identity, address)
            raise Denied(401, "authentication failed", [(b"www-authenticate", b'Basic realm="chargeplane OCPP"')])
        self.by_identity.reset(identity)
        return credentials

    async def _tenant_url(self, tenant_slug: str) -> tuple[uuid.UUID, bool] | None:
        """The tenant behind `/ocpp/{tenant_slug}/...`: its id and whether it lets chargers register themselves.
        (Plain values: an ORM object is expired once the read is over.)"""
        def read(uow: Any) -> tuple[uuid.UUID, bool] | None:
            tenant = get_tenant_by_slug(uow, tenant_slug)
            return None if tenant is None else (tenant.id, tenant.allow_auto_registration)

        return await self.db.read(Scope.installation("tenant OCPP URL"), read)

    async def _belongs(self, tenant_slug: str, credentials: ChargerCredentials) -> bool:
        tenant = await self._tenant_url(tenant_slug)
        return tenant is not None and tenant[0] == credentials.tenant_id

    async def _auto_register(self, tenant_slug: str, identity: str, password: str | None
                             ) -> ChargerCredentials | None:
        tenant = await self._tenant_url(tenant_slug)
        if tenant is None or not tenant[1] or password is None:
            return None
        tenant_id = tenant[0]
        try:
            check_password(password)
        except DomainError:
            return None
        async with self._hash_slots:
            password_hash = await asyncio.to_thread(self.hashing.hash, password)
        try:
            credentials = await self.db.write(Scope.tenant(tenant_id), lambda uow: charger_reports.auto_register(
                uow, identity=identity, password_hash=password_hash))
        except DomainError:  # registered by a concurrent attempt
            return None
        log.info("%s: registered itself at tenant %s; Pending until an operator accepts it", identity, tenant_slug)
        self._remember(credentials, password)
        return credentials

    def _digest(self, password: str) -> bytes:
        return hmac.new(self._cache_key, password.encode(), hashlib.sha256).digest()

    def _remember(self, credentials: ChargerCredentials, password: str) -> None:
        self._verified[credentials.identity] = (credentials.password_hash, self._digest(password))

    async def _verify(self, credentials: ChargerCredentials, password: str) -> bool:
        cached = self._verified.get(credentials.identity)
        if cached is not None and cached[0] == credentials.password_hash:
            return hmac.compare_digest(cached[1], self._digest(password))
        async with self._hash_slots:
            ok = await asyncio.to_thread(self.hashing.verify, credentials.password_hash, password)
        if ok:
            self._remember(credentials, password)
        return ok

    async def _serve(self, credentials: ChargerCredentials, adapter: Adapter, receive: Receive, send: Send) -> None:
        async def send_text(text: str) -> None:
            await send({"type": "websocket.send", "text": text})

        async def close(code: int, reason: str) -> None:
            await send({"type": "websocket.close", "code": code, "reason": reason})

        connection = Connection(
            identity=credentials.identity, charge_point_id=credentials.charge_point_id,
            tenant_id=credentials.tenant_id, boot_status=credentials.boot_status, adapter=adapter, db=self.db,
            settings=self.settings, send_text=send_text, close=close,
        )
        await send({"type": "websocket.accept", "subprotocol": adapter.subprotocol})
        replaced = await self.registry.register(connection)
        await self._record_connection(connection, connected=True, replaced=replaced)
        try:
            while not connection.closed:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message["type"] != "websocket.receive":
                    continue
                text = message.get("text")
                if text is None:
                    raw = message.get("bytes") or b""
                    text = raw.decode("utf-8", errors="replace")
                await connection.on_frame(text)
        except Exception as exc:  # the socket broke while answering; the charger will reconnect
            log.info("%s: connection ended: %s", credentials.identity, type(exc).__name__)
        finally:
            connection.mark_closed()
            if self.registry.unregister(connection):
                await self._record_connection(connection, connected=False, replaced=False)

    async def _record_connection(self, connection: Connection, *, connected: bool, replaced: bool) -> None:
        at = utcnow()
        if connected:
            event: object = ChargePointConnected(connection.tenant_id, connection.charge_point_id,
                                                 connection.identity, at, replaced)
        else:
            event = ChargePointDisconnected(connection.tenant_id, connection.charge_point_id, connection.identity, at)

        def unit(uow: Any) -> None:
            charger_reports.record_connection(uow, charge_point_id=connection.charge_point_id,
                                              connected=connected, at=at)
            uow.publish(event)

        try:
            await self.db.write(connection.scope, unit)
        except Exception:
            log.warning("%s: could not record the connection state", connection.identity, exc_info=True)


def _split_path(path: str) -> tuple[str | None, str]:
    rest = path[len(PATH_PREFIX):] if path.startswith(PATH_PREFIX) else ""
    parts = [unquote(p) for p in rest.split("/")]
    if len(parts) == 2 and parts[0]:
        return parts[0], parts[1]
    return None, parts[0] if len(parts) == 1 else ""


def _basic_password(scope: Scope_, identity: str) -> str | None:
    for name, value in scope.get("headers") or []:
        if name.lower() != b"authorization":
            continue
        kind, _, token = value.partition(b" ")
        if kind.lower() != b"basic":
            return None
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, sep, password = decoded.partition(":")
        return password if sep and user == identity else None
    return None


async def _deny(scope: Scope_, send: Send, denied: Denied) -> None:
    body = denied.message.encode()
    if "websocket.http.response" in (scope.get("extensions") or {}):
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                   *denied.headers]
        await send({"type": "websocket.http.response.start", "status": denied.status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body})
    else:  # a server without the denial extension can only refuse with 403
        await send({"type": "websocket.close", "code": 1008})
