"""Webhook deliveries: recorded in the unit of work of the events they carry (`record`, the
database's unit hook), then sent by `run`: due deliveries are leased, posted signed, and each
attempt is written down with its outcome; failures wait 30 s, 1 min, 2 min, ... (at most an hour)
until a day has passed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from datetime import timedelta

import httpx
import orjson

from chargeplane.bus import LocalBus
from chargeplane.db import Database, Scope, UnitOfWork
from chargeplane.domain.clock import Clock
from chargeplane.domain.webhooks import service
from chargeplane.domain.webhooks.events import WebhookDeliveriesQueued, WebhookEndpointsChanged
from chargeplane.domain.webhooks.signing import HEADER, signature

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
BATCH = 50
TIMEOUT = 10.0
INSTALLATION = Scope.installation("webhook deliveries across tenants")


class WebhookDispatcher:
    def __init__(self, db: Database, bus: LocalBus, clock: Clock, *, poll_interval: float = 5.0) -> None:
        self.db, self.clock, self.poll_interval = db, clock, poll_interval
        self._subscribed: set[uuid.UUID] = set()
        self._wake = asyncio.Event()
        bus.subscribe(WebhookEndpointsChanged, lambda _event: self._refresh_soon())
        bus.subscribe(WebhookDeliveriesQueued, lambda _event: self._wake.set())
        self._refreshing: asyncio.Task[None] | None = None

    async def load(self) -> None:
        self._subscribed = await self.db.read(INSTALLATION, service.tenants_with_endpoints)

    def _refresh_soon(self) -> None:
        self._refreshing = asyncio.get_running_loop().create_task(self.load())
        self._wake.set()

    def record(self, uow: UnitOfWork) -> None:
        """The unit hook: most units belong to tenants without endpoints and cost one set lookup."""
        tenant_id = uow.scope.tenant_id
        if tenant_id is None or tenant_id not in self._subscribed:
            return
        if service.record_deliveries(uow, events=uow.events, now=self.clock.now()):
            uow.after_commit(self._wake.set)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False,
                                     headers={"User-Agent": "chargeplane-webhooks/1"}) as client:
            while True:
                # Cleared before the round: a delivery queued during it starts the next one at once.
                self._wake.clear()
                try:
                    sent = await self.run_once(client)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("webhook delivery round failed")
                    sent = 0
                if sent:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)

    async def run_once(self, client: httpx.AsyncClient) -> int:
        now = self.clock.now()
        due = await self.db.write(INSTALLATION, lambda uow: service.claim_due(uow, now=now, lease=LEASE, limit=BATCH))
        outcomes = await asyncio.gather(*(self._send(client, delivery_id) for delivery_id in due),
                                        return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, Exception):  # its lease runs out and it is tried again
                log.error("webhook delivery failed to run: %s", outcome)
        return len(due)

    async def _send(self, client: httpx.AsyncClient, delivery_id: uuid.UUID) -> None:
        tenant_id, url, secret, payload, event_type = await self.db.read(
            INSTALLATION, lambda uow: service.to_send(uow, delivery_id))
        body = orjson.dumps(payload)
        headers = {"Content-Type": "application/json", HEADER: signature(secret, int(time.time()), body),
                   "Chargeplane-Event-Id": str(payload["id"]), "Chargeplane-Event-Type": event_type}
        started = time.monotonic()
        status_code: int | None = None
        error: str | None = None
        try:
            response = await client.post(url, content=body, headers=headers)
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        duration = int((time.monotonic() - started) * 1000)
        await self.db.write(Scope.tenant(tenant_id), lambda uow: service.record_attempt(
            uow, delivery_id=delivery_id, status_code=status_code, error=error, duration_ms=duration,
            now=self.clock.now()))
