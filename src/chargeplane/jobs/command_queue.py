"""Delivers commands queued for offline chargers: when a charger connects (after a short pause, so
that it can boot first) and every `command_queue_interval` seconds for connected ones; expired
commands are marked on the way. Each command is marked sent before it leaves (at most once)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from chargeplane.bus import ChargerBusy, ChargerNotConnected, ChargerPending, LocalBus
from chargeplane.bus.errors import ChargerCallFailed
from chargeplane.db import Database, Scope
from chargeplane.domain.assets import command_queue
from chargeplane.domain.assets.events import ChargePointConnected
from chargeplane.domain.clock import Clock

log = logging.getLogger(__name__)

# The charger was not there or not ready: the command waits for the next chance.
NOT_NOW = (ChargerNotConnected, ChargerPending, ChargerBusy)


class CommandQueueJob:
    def __init__(self, db: Database, bus: LocalBus, clock: Clock, *, settle_seconds: float = 2.0) -> None:
        self.db, self.bus, self.clock, self.settle = db, bus, clock, settle_seconds
        self._tasks: set[asyncio.Task[None]] = set()
        self._busy: set[uuid.UUID] = set()
        bus.subscribe(ChargePointConnected, self._on_connected)

    def _on_connected(self, event: ChargePointConnected) -> None:
        async def later() -> None:
            await asyncio.sleep(self.settle)
            await self.deliver(event.tenant_id, event.charge_point_id)

        task = asyncio.get_running_loop().create_task(later())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def deliver(self, tenant_id: uuid.UUID, charge_point_id: uuid.UUID) -> int:
        """Send this charger's due commands in order; how many were handed to it."""
        if charge_point_id in self._busy or not self.bus.gateway.is_connected(charge_point_id):
            return 0
        self._busy.add(charge_point_id)
        sent = 0
        try:
            while await self._deliver_next(Scope.tenant(tenant_id), charge_point_id):
                sent += 1
            return sent
        finally:
            self._busy.discard(charge_point_id)

    async def _deliver_next(self, scope: Scope, charge_point_id: uuid.UUID) -> bool:
        """Send the next due command; False when there is none, or the charger cannot take it now."""
        now = self.clock.now()
        due = await self.db.write(scope, lambda uow: command_queue.take_next(
            uow, charge_point_id=charge_point_id, now=now))
        if due is None:
            return False
        command_id, action, payload = due
        answer: dict[str, Any] | None = None
        error: str | None = None
        try:
            answer = await self.bus.gateway.call(charge_point_id, action, payload)
        except NOT_NOW:
            await self.db.write(scope, lambda uow: command_queue.put_back(uow, command_id=command_id))
            return False
        except ChargerCallFailed as exc:
            error = f"{type(exc).__name__}: {exc}"
        await self.db.write(scope, lambda uow: command_queue.record_outcome(
            uow, command_id=command_id, answer=answer, error=error, now=self.clock.now()))
        return True

    async def run_once(self) -> None:
        now = self.clock.now()
        await self.db.write(Scope.installation("queued commands expire"),
                            lambda uow: command_queue.expire(uow, now=now))
        waiting = await self.db.read(Scope.installation("queued commands waiting"), command_queue.chargers_waiting)
        for tenant_id, charge_point_id in waiting:
            await self.deliver(tenant_id, charge_point_id)
