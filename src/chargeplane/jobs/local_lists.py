"""Keeps chargers' local authorization lists in step with the cards: when a charger with a list
connects, and every `local_list_sync_interval` seconds for every connected one (an update is sent
only when something changed)."""

from __future__ import annotations

import asyncio
import logging
import uuid

from chargeplane.bus import LocalBus
from chargeplane.db import Database, Scope
from chargeplane.domain.assets.events import ChargePointConnected
from chargeplane.domain.clock import Clock
from chargeplane.domain.tokens.local_list import keeps_list, lists_to_keep, sync_local_list

log = logging.getLogger(__name__)


class LocalListKeeper:
    def __init__(self, db: Database, bus: LocalBus, clock: Clock) -> None:
        self.db, self.bus, self.clock = db, bus, clock
        self._tasks: set[asyncio.Task[None]] = set()
        bus.subscribe(ChargePointConnected, self._on_connected)

    def _on_connected(self, event: ChargePointConnected) -> None:
        task = asyncio.get_running_loop().create_task(self._sync_if_kept(event.tenant_id, event.charge_point_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _sync_if_kept(self, tenant_id: uuid.UUID, charge_point_id: uuid.UUID) -> None:
        if await self.db.read(Scope.tenant(tenant_id), lambda uow: keeps_list(uow, charge_point_id)):
            await self._sync(tenant_id, charge_point_id)

    async def _sync(self, tenant_id: uuid.UUID, charge_point_id: uuid.UUID) -> None:
        try:
            await sync_local_list(self.db, self.bus.gateway, scope=Scope.tenant(tenant_id),
                                  charge_point_id=charge_point_id, now=self.clock.now())
        except Exception as exc:  # recorded on the list; the next round tries again
            log.info("local list of charge point %s not synced: %s", charge_point_id, exc)

    async def run_once(self) -> None:
        kept = await self.db.read(Scope.installation("local lists kept in step"), lists_to_keep)
        for tenant_id, charge_point_id in kept:
            if self.bus.gateway.is_connected(charge_point_id):
                await self._sync(tenant_id, charge_point_id)
