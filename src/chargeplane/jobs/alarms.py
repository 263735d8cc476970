"""Alarms from bus events (a connector's status, a connection taken over, a session ended
abnormally) and the periodic sweep of state-based ones (faulted connectors, chargers away too long).
Each write runs in the event's tenant's scope, off the OCPP path; alarms carry the server's time
(the charger's own clock may be anything)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from chargeplane.bus import LocalBus
from chargeplane.config import Settings
from chargeplane.db import Database, Scope, UnitOfWork
from chargeplane.domain.alarms.causes import cause_key
from chargeplane.domain.alarms.service import clear_cause, raise_alarm
from chargeplane.domain.alarms.sweep import connector_key, offline_key, sweep
from chargeplane.domain.assets.events import ChargePointConnected, ConnectorStatusChanged
from chargeplane.domain.clock import Clock
from chargeplane.domain.sessions.events import SessionStopped
from chargeplane.jobs.runner import for_each_tenant

log = logging.getLogger(__name__)


class AlarmWatcher:
    def __init__(self, db: Database, bus: LocalBus, clock: Clock, settings: Settings) -> None:
        self.db, self.bus, self.clock, self.base_url = db, bus, clock, settings.base_url
        self._tasks: set[asyncio.Task[None]] = set()
        # Connectors this process saw faulted: only their next status may clear an alarm. Every status
        # report of every charger would otherwise cost a write; the sweep settles the rest (a restart).
        self._faulted: set[str] = set()
        bus.subscribe(ConnectorStatusChanged, self._on_status)
        bus.subscribe(ChargePointConnected, self._on_connected)
        bus.subscribe(SessionStopped, self._on_stopped)

    def _later(self, event: Any, work: Callable[[UnitOfWork], object]) -> None:
        async def write() -> None:
            try:
                await self.db.write(Scope.tenant(event.tenant_id), work)
            except Exception:
                log.exception("alarm from %s not recorded", type(event).__name__)

        task = asyncio.get_running_loop().create_task(write())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_status(self, event: ConnectorStatusChanged) -> None:
        key = connector_key(event.charge_point_id, event.connector_id)
        if event.status == "Faulted":
            self._faulted.add(key)
            self._later(event, lambda uow: raise_alarm(
                uow, cause="connector_faulted", key=key, at=self.clock.now(), charge_point_id=event.charge_point_id,
                connector_id=event.connector_id, detail=event.error_code, base_url=self.base_url))
        elif key in self._faulted:
            self._faulted.discard(key)
            self._later(event, lambda uow: clear_cause(uow, key=key, at=self.clock.now()))

    def _on_connected(self, event: ChargePointConnected) -> None:
        def unit(uow: UnitOfWork) -> None:
            clear_cause(uow, key=offline_key(event.charge_point_id), at=self.clock.now())
            if event.replaced_connection:
                raise_alarm(uow, cause="connection_takeover", key=cause_key("connection_takeover",
                                                                            event.charge_point_id),
                            at=self.clock.now(), charge_point_id=event.charge_point_id,
                            detail="a new connection with the same identity and password replaced the live one",
                            base_url=self.base_url)

        self._later(event, unit)

    def _on_stopped(self, event: SessionStopped) -> None:
        if event.status != "abnormal":
            return
        self._later(event, lambda uow: raise_alarm(
            uow, cause="abnormal_session", key=cause_key("abnormal_session", event.charge_point_id, event.session_id),
            at=self.clock.now(), charge_point_id=event.charge_point_id, session_id=event.session_id,
            detail=f"transaction {event.transaction_id}", base_url=self.base_url))

    async def run_once(self) -> None:
        now, connected = self.clock.now(), self.bus.gateway.is_connected

        async def one(scope: Scope) -> None:
            await self.db.write(scope, lambda uow: sweep(uow, connected=connected, now=now, base_url=self.base_url))

        await for_each_tenant(self.db, one)
