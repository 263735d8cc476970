"""Dynamic load balancing at work: plans a site again when something changed there, and sends the
profiles its plan needs, lowering before raising.

What wakes a site: a session starting or stopping, a charger connecting or going away, its limit or
a charger's settings changing, a session drawing clearly less than its share (or all of it after it
was cut to what it drew), a target reached, a charger refusing a profile; and every `interval`
seconds each balanced site, for the schedule's hours.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any

from chargeplane.bus import LocalBus
from chargeplane.bus.errors import ChargerCallError, ChargerCallFailed
from chargeplane.db import Database, Scope
from chargeplane.domain.assets.events import ChargePointChanged, ChargePointConnected, ChargePointDisconnected
from chargeplane.domain.clock import Clock
from chargeplane.domain.sessions.events import SessionMetered, SessionStarted, SessionStopped
from chargeplane.domain.smartcharging import allocation, planning, profiles, targets
from chargeplane.domain.smartcharging.events import ChargingTargetChanged, SiteLimitChanged, SitePlanned
from chargeplane.domain.smartcharging.planning import Measurement, ProfileSend
from chargeplane.domain.smartcharging.readings import current_draw_da, soc_percent

log = logging.getLogger(__name__)
MAX_REPLANS = 3


@dataclass(slots=True)
class _Share:
    tenant_id: uuid.UUID
    site_id: uuid.UUID
    accepted_da: int
    reason: str


class LoadBalancer:
    def __init__(self, db: Database, bus: LocalBus, clock: Clock) -> None:
        self.db, self.bus, self.clock = db, bus, clock
        self._wake = asyncio.Event()
        self._running = asyncio.Lock()
        self._sites: dict[uuid.UUID, uuid.UUID] = {}  # site → tenant, to plan
        self._chargers: dict[uuid.UUID, uuid.UUID] = {}  # charger → tenant, whose site to plan
        self._connected: dict[uuid.UUID, uuid.UUID] = {}
        self._released: dict[uuid.UUID, uuid.UUID] = {}  # charger → tenant, whose profiles to clear
        # Sessions with a target: (tenant, register, state of charge) of their latest reading.
        self._metered: dict[uuid.UUID, tuple[uuid.UUID, int | None, int | None]] = {}
        self._retargeted: dict[uuid.UUID, uuid.UUID] = {}
        self._targets: dict[uuid.UUID, uuid.UUID] = {}  # session → tenant, target not reached
        self._shares: dict[uuid.UUID, _Share] = {}  # session → its accepted share
        self.measured: dict[uuid.UUID, Measurement] = {}
        # How long a plan must hold: until the next sweep, with room for a late one.
        self.horizon = 0.0
        self._swept_at = 0.0
        bus.subscribe(SessionStarted, lambda e: self._charger(e.tenant_id, e.charge_point_id))
        bus.subscribe(SessionStopped, self._stopped)
        bus.subscribe(ChargePointConnected, self._on_connect)
        bus.subscribe(ChargePointDisconnected, lambda e: self._charger(e.tenant_id, e.charge_point_id))
        # Moved to another site, accepted, deleted: its new and its old site are planned again.
        bus.subscribe(ChargePointChanged, lambda e: self._charger(e.tenant_id, e.charge_point_id))
        bus.subscribe(SiteLimitChanged, self._limit_changed)
        bus.subscribe(ChargingTargetChanged, self._target_changed)
        bus.subscribe(SessionMetered, self._on_metered)

    # -- what wakes it --------------------------------------------------------------------------

    def _charger(self, tenant_id: uuid.UUID, charge_point_id: uuid.UUID | None) -> None:
        if charge_point_id is not None:
            self._chargers[charge_point_id] = tenant_id
            self._wake.set()

    def _stopped(self, event: SessionStopped) -> None:
        self._shares.pop(event.session_id, None)
        self.measured.pop(event.session_id, None)
        self._targets.pop(event.session_id, None)
        self._charger(event.tenant_id, event.charge_point_id)

    def _on_connect(self, event: ChargePointConnected) -> None:
        self._connected[event.charge_point_id] = event.tenant_id
        self._wake.set()

    def _limit_changed(self, event: SiteLimitChanged) -> None:
        if event.site_id is not None:
            self._sites[event.site_id] = event.tenant_id
        for charge_point_id in event.released:
            self._released[charge_point_id] = event.tenant_id
        self._wake.set()

    def _target_changed(self, event: ChargingTargetChanged) -> None:
        self._targets[event.session_id] = event.tenant_id
        self._retargeted[event.session_id] = event.tenant_id
        self._wake.set()

    def _on_metered(self, event: SessionMetered) -> None:
        if event.session_id in self._targets:
            self._metered[event.session_id] = (event.tenant_id, event.energy_register_wh, soc_percent(event.values))
            self._wake.set()
        share = self._shares.get(event.session_id)
        if share is None:
            return
        draw = current_draw_da(event.values)
        if draw is None:
            return
        self.measured[event.session_id] = Measurement(draw, event.at)
        lower = draw < share.accepted_da - planning.SLACK_DA
        wants_more = share.reason == allocation.DEMAND and draw >= share.accepted_da - planning.NEAR_DA
        if lower or wants_more:
            self._sites[share.site_id] = share.tenant_id
            self._wake.set()

    # -- the rounds -----------------------------------------------------------------------------

    async def load(self) -> None:
        """What is open from before a restart: targets still to watch."""
        open_ = await self.db.read(Scope.installation("open charging targets"), targets.open_targets)
        self._targets.update({session_id: tenant_id for tenant_id, session_id in open_})

    async def run(self, interval: float) -> None:
        self.horizon = interval * 1.5
        await self.load()
        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            try:
                # The schedule's hours move on: every balanced site at least once per interval.
                everything = loop.time() - self._swept_at >= interval
                await self.run_once(everything=everything)
                if everything:
                    self._swept_at = loop.time()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("load balancing round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=interval)

    async def run_once(self, *, everything: bool = False) -> None:
        async with self._running:
            if everything:
                for tenant_id, site_id in await self.db.read(Scope.installation("balanced sites"),
                                                             planning.balanced_sites):
                    await self.db.write(Scope.tenant(tenant_id), partial(planning.retry_unreachable, site_id=site_id))
                    self._sites.setdefault(site_id, tenant_id)
            await self._reconnected()
            await self._retarget()
            await self._check_targets()
            await self._release()
            await self._sites_of_chargers()
            sites, self._sites = self._sites, {}
            for site_id, tenant_id in sites.items():
                await self._balance(Scope.tenant(tenant_id), tenant_id, site_id)

    async def _sites_of_chargers(self) -> None:
        chargers, self._chargers = self._chargers, {}
        for charge_point_id, tenant_id in chargers.items():
            sites: set[uuid.UUID] = await self.db.read(
                Scope.tenant(tenant_id), partial(planning.sites_of_charger, charge_point_id=charge_point_id))
            for site_id in sites:
                self._sites.setdefault(site_id, tenant_id)

    async def _reconnected(self) -> None:
        connected, self._connected = self._connected, {}
        for charge_point_id, tenant_id in connected.items():
            site_id = await self.db.write(Scope.tenant(tenant_id),
                                          partial(planning.charger_connected, charge_point_id=charge_point_id))
            if site_id is not None:
                self._sites.setdefault(site_id, tenant_id)

    async def _retarget(self) -> None:
        """A target set, changed or removed: check it against the latest reading; free a held session."""
        changed, self._retargeted = self._retargeted, {}
        for session_id, tenant_id in changed.items():
            site_id, freed = await self.db.write(Scope.tenant(tenant_id),
                                                 partial(targets.retargeted, session_id=session_id))
            if site_id is not None:
                self._sites[site_id] = tenant_id
            elif freed is not None:
                charge_point_id, connector_id = freed
                with contextlib.suppress(ChargerCallFailed):
                    await self.bus.gateway.call(charge_point_id, "ClearChargingProfile",
                                                {"id": profiles.TX_PROFILE_ID + connector_id})
            self._metered.setdefault(session_id, (tenant_id, None, None))

    async def _check_targets(self) -> None:
        metered, self._metered = self._metered, {}
        for session_id, (tenant_id, register_wh, soc) in metered.items():
            reached = await self.db.write(Scope.tenant(tenant_id), partial(
                targets.reach, session_id=session_id, register_wh=register_wh, soc=soc, now=self.clock.now()))
            if reached is None:
                continue
            self._targets.pop(session_id, None)
            site_id, sends = reached
            if site_id is not None:  # the site's plan holds it at 0 and shares the rest
                self._sites[site_id] = tenant_id
            else:
                await self._send_all(Scope.tenant(tenant_id), sends, stop_if_refused=True)

    async def _release(self) -> None:
        released, self._released = self._released, {}
        for charge_point_id, tenant_id in released.items():
            if not self.bus.gateway.is_connected(charge_point_id):
                continue
            with contextlib.suppress(ChargerCallFailed):
                await self.bus.gateway.call(charge_point_id, "ClearChargingProfile", profiles.clear_cap())
            with contextlib.suppress(ChargerCallFailed):
                await self.bus.gateway.call(charge_point_id, "ClearChargingProfile",
                                            {"chargingProfilePurpose": "TxProfile", "stackLevel": profiles.STACK_LEVEL})
            await self.db.write(Scope.tenant(tenant_id),
                                partial(planning.charger_connected, charge_point_id=charge_point_id))

    async def _balance(self, scope: Scope, tenant_id: uuid.UUID, site_id: uuid.UUID) -> None:
        for _ in range(MAX_REPLANS):
            site_plan = await self.db.write(scope, partial(
                planning.plan_site, site_id=site_id, now=self.clock.now(), connected=self.bus.gateway.is_connected,
                measured=dict(self.measured), horizon=self.horizon))
            if site_plan is None:
                return
            refused = await self._send_all(scope, site_plan.sends)
            self.bus.publish([SitePlanned(tenant_id, site_id)])
            if not refused:
                self._remember(tenant_id, site_id, site_plan)
                return
        log.warning("site %s: chargers kept refusing profiles; counted at their maximum", site_id)

    def _remember(self, tenant_id: uuid.UUID, site_id: uuid.UUID, site_plan: planning.SitePlan) -> None:
        for session_id, (limit_da, reason) in site_plan.plan.allocations.items():
            self._shares[session_id] = _Share(tenant_id, site_id, limit_da, reason)

    async def _send_all(self, scope: Scope, sends: list[ProfileSend], *, stop_if_refused: bool = False) -> bool:
        """Lowering profiles first, then raising ones; True when a charger stopped following us."""
        refused = False
        for batch in ([s for s in sends if s.lowers], [s for s in sends if not s.lowers]):
            answers = await asyncio.gather(*(self._send(scope, send) for send in batch))
            if any(answers):
                refused = True
                if stop_if_refused:
                    for send, was_refused in zip(batch, answers, strict=True):
                        if was_refused and send.session_id is not None:
                            await self._remote_stop(send)
                break  # plan again, with the refusing charger counted at its maximum, before raising anyone
        return refused

    async def _send(self, scope: Scope, send: ProfileSend) -> bool:
        status: str | None
        detail: str | None = None
        try:
            answer: dict[str, Any] = await self.bus.gateway.call(send.charge_point_id, "SetChargingProfile",
                                                                 send.payload)
            status = str(answer.get("status"))
        except ChargerCallError as exc:
            status, detail = exc.code, f"SetChargingProfile: CALLERROR {exc.code}"
        except ChargerCallFailed as exc:
            status, detail = None, f"SetChargingProfile: {type(exc).__name__}"
        now = self.clock.now()
        return await self.db.write(scope, lambda uow: planning.record_answer(
            uow, send=send, status=status, detail=detail, now=now))

    async def _remote_stop(self, send: ProfileSend) -> None:
        """A target reached on a charger that refuses profiles: ending the session keeps the promise."""
        transaction_id = send.payload["csChargingProfiles"].get("transactionId")
        with contextlib.suppress(ChargerCallFailed):
            await self.bus.gateway.call(send.charge_point_id, "RemoteStopTransaction",
                                        {"transactionId": transaction_id})
