"""The composition root: builds the database, bus, OCPP endpoint and API, and serves them as one ASGI app."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from chargeplane.api import API_PREFIX, create_api
from chargeplane.api.deps import Services
from chargeplane.api.live import LiveHub
from chargeplane.api.routers.auth_support import AuthState
from chargeplane.bus import LocalBus
from chargeplane.config import Settings
from chargeplane.db import Database
from chargeplane.db.migrate import upgrade
from chargeplane.domain.assets.credentials import PasswordHashing
from chargeplane.domain.assets.events import ChargePointChanged
from chargeplane.domain.clock import Clock, SystemClock
from chargeplane.domain.messaging.outbox import MessageQueued
from chargeplane.jobs.alarms import AlarmWatcher
from chargeplane.jobs.command_queue import CommandQueueJob
from chargeplane.jobs.delivery import DeliveryJob
from chargeplane.jobs.firmware import FirmwareCampaigns
from chargeplane.jobs.local_lists import LocalListKeeper
from chargeplane.jobs.maintenance import prune_message_log
from chargeplane.jobs.runner import every
from chargeplane.jobs.smart_charging import LoadBalancer
from chargeplane.jobs.transports import transports_from
from chargeplane.jobs.webhooks import WebhookDispatcher
from chargeplane.ocpp.adapter import Adapter
from chargeplane.ocpp.endpoint import PATH_PREFIX, OcppEndpoint
from chargeplane.ocpp.registry import Registry
from chargeplane.ocpp.v16 import Ocpp16
from chargeplane.portal import create_portal

log = logging.getLogger(__name__)

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class Chargeplane:
    """One process: the REST API on /api/v1 and /health, chargers on /ocpp/, the portal and the
    driver app on every other path."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.bus = LocalBus()
        self.db = Database(settings.database_url, max_batch=settings.group_commit_max_batch,
                           on_commit=self.bus.publish)
        self.hashing = PasswordHashing(settings.password_hash_time_cost, settings.password_hash_memory_kib)
        adapters: list[Adapter] = [Ocpp16()]
        self.registry = Registry(adapters)
        self.bus.attach_gateway(self.registry)
        self.bus.subscribe(ChargePointChanged, self.registry.on_charge_point_changed)
        self.ocpp = OcppEndpoint(db=self.db, bus=self.bus, registry=self.registry, settings=settings,
                                 adapters={a.subprotocol: a for a in adapters}, hashing=self.hashing)
        services = Services(db=self.db, bus=self.bus, settings=settings, hashing=self.hashing, clock=self.clock)
        self.api = create_api(services)
        # One login throttle for the API and the portal: a guesser gains nothing by switching doors.
        self.api.state.auth = auth = AuthState()
        # One hub wakes the live streams of both: the portal's pages and the API's event streams.
        self.api.state.live = live = LiveHub(self.bus)
        self.portal = create_portal(services, auth=auth, live=live)
        mailer, sms = transports_from(settings)
        self.delivery = DeliveryJob(self.db, settings, self.clock, mailer=mailer, sms=sms)
        self.bus.subscribe(MessageQueued, self.delivery.wake)
        self.local_lists = LocalListKeeper(self.db, self.bus, self.clock)
        self.alarms = AlarmWatcher(self.db, self.bus, self.clock, settings)
        self.command_queue = CommandQueueJob(self.db, self.bus, self.clock)
        self.firmware = FirmwareCampaigns(self.db, self.bus, self.clock)
        self.load_balancer = LoadBalancer(self.db, self.bus, self.clock)
        self.webhooks = WebhookDispatcher(self.db, self.bus, self.clock, poll_interval=settings.webhook_poll_interval)
        self.db.unit_hook = self.webhooks.record
        self._adapters = adapters
        self._jobs: list[asyncio.Task[None]] = []
        self.started = False

    async def start(self) -> None:
        await self.db.start()
        await upgrade(self.db)
        for adapter in self._adapters:
            adapter.schemas.warm()
        # Everything built so far lives as long as the process: keep the collector from rescanning it.
        gc.collect()
        gc.freeze()
        retention = self.settings.message_log_retention_days
        self._jobs.append(asyncio.create_task(every(
            3600, "prune message log", lambda: prune_message_log(self.db, retention_days=retention))))
        self._jobs.append(asyncio.create_task(self.delivery.run(), name="outbox delivery"))
        await self.webhooks.load()
        self._jobs.append(asyncio.create_task(self.webhooks.run(), name="webhook delivery"))
        self._jobs.append(asyncio.create_task(every(
            self.settings.local_list_sync_interval, "local authorization lists", self.local_lists.run_once)))
        self._jobs.append(asyncio.create_task(every(
            self.settings.alarm_sweep_interval, "alarm sweep", self.alarms.run_once)))
        self._jobs.append(asyncio.create_task(every(
            self.settings.command_queue_interval, "queued commands", self.command_queue.run_once)))
        self._jobs.append(asyncio.create_task(self.firmware.run(self.settings.firmware_campaign_interval),
                                              name="firmware campaigns"))
        self._jobs.append(asyncio.create_task(self.load_balancer.run(self.settings.load_balancing_interval),
                                              name="load balancing"))
        self.started = True

    async def stop(self) -> None:
        for job in self._jobs:
            job.cancel()
        self._jobs.clear()
        await self.registry.close_all()
        await self.db.close()
        self.started = False

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "websocket" and scope.get("path", "").startswith(PATH_PREFIX):
            await self.ocpp(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif scope.get("path", "").startswith((API_PREFIX, "/health")):
            await self.api(scope, receive, send)
        else:
            await self.portal(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.start()
                except Exception as exc:
                    log.exception("start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return
