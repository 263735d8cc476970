"""Runs firmware campaigns: sends UpdateFirmware to the next chargers of each running campaign as its
batch has room (when a charger connects, when a charger reports progress, and every
`firmware_campaign_interval` seconds); a send that fails is retried while attempts remain."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from chargeplane.bus import LocalBus
from chargeplane.bus.errors import ChargerCallFailed
from chargeplane.db import Database, Scope
from chargeplane.domain.assets.events import ChargePointConnected, FirmwareStatusReported
from chargeplane.domain.clock import Clock
from chargeplane.domain.firmware import service
from chargeplane.domain.firmware.events import CampaignStarted

log = logging.getLogger(__name__)


class FirmwareCampaigns:
    def __init__(self, db: Database, bus: LocalBus, clock: Clock) -> None:
        self.db, self.bus, self.clock = db, bus, clock
        self._wake = asyncio.Event()
        self._running = asyncio.Lock()
        bus.subscribe(ChargePointConnected, lambda _event: self._wake.set())
        bus.subscribe(FirmwareStatusReported, lambda _event: self._wake.set())
        bus.subscribe(CampaignStarted, lambda _event: self._wake.set())

    async def run(self, interval: float) -> None:
        while True:
            # Cleared before the round: a wake-up that arrives during it starts the next one at once.
            self._wake.clear()
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("firmware campaigns round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=interval)

    async def run_once(self) -> None:
        async with self._running:
            campaigns = await self.db.read(Scope.installation("running firmware campaigns"),
                                           service.running_campaigns)
            for tenant_id, campaign_id in campaigns:
                await self._advance(Scope.tenant(tenant_id), campaign_id)

    async def _advance(self, scope: Scope, campaign_id: uuid.UUID) -> None:
        now, connected = self.clock.now(), self.bus.gateway.is_connected
        batch = await self.db.write(scope, lambda uow: service.next_batch(
            uow, campaign_id=campaign_id, connected=connected, now=now))
        await asyncio.gather(*(self._send(scope, target_id, charge_point_id, payload)
                               for target_id, charge_point_id, payload in batch))

    async def _send(self, scope: Scope, target_id: uuid.UUID, charge_point_id: uuid.UUID,
                    payload: dict[str, Any]) -> None:
        try:
            await self.bus.gateway.call(charge_point_id, "UpdateFirmware", payload)
        except ChargerCallFailed as exc:
            error = f"{type(exc).__name__}: {exc}"
            await self.db.write(scope, lambda uow: service.record_send_failure(
                uow, target_id=target_id, error=error, now=self.clock.now()))
