"""Smart Charging on a simulated charge point: the profiles the central system sets (SetChargingProfile,
ClearChargingProfile, GetCompositeSchedule) and meters that draw no more than those allow, from the
moment a profile arrives and again at every change of period.

A connector's meter gets the connector's own limit, within its share of the ChargePointMaxProfile
(a cap on the sum over connectors, split evenly among the charging ones). A limit of 0 suspends the
connector (SuspendedEVSE); a limit above 0 lets it charge again.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from chargeplane.simulator import framing
from chargeplane.simulator.charging_profiles import (
    PURPOSES,
    TX,
    ChargingProfile,
    InvalidProfile,
    Limit,
    Outlet,
    ProfileStore,
    composite_schedule,
    lowest,
    parse_profile,
    share,
    units_allowed,
)
from chargeplane.simulator.configuration import Configuration
from chargeplane.simulator.connectors import CHARGING, SUSPENDED_EVSE, Connector

log = logging.getLogger(__name__)

TIMER_SLACK = 0.001  # wake just after a change of period, so that the new period is the one read


def utcnow() -> datetime:
    return datetime.now(UTC)


class SmartCharging:
    def __init__(self, *, enabled: bool, connectors: dict[int, Connector], configuration: Configuration,
                 phases: int, report: Callable[[list[int]], None]) -> None:
        self.enabled = enabled
        self.store = ProfileStore()
        self._connectors = connectors
        self._configuration = configuration
        self._phases = phases
        self._report = report  # sends the status of connectors that a change of period moved
        self._timer: asyncio.TimerHandle | None = None
        self._limiting = False  # some meter runs under a limit: a refresh has work even without profiles

    # ---- the central system's requests ----------------------------------------------------------------

    def set_profile(self, connector_id: int, payload: dict[str, Any]) -> tuple[str, list[int]]:
        """SetChargingProfile: its status, and the connectors whose status the new limit changed."""
        if not self.enabled:
            return "NotSupported", []
        try:
            profile = parse_profile(connector_id, payload, received_at=utcnow())
            self._check(profile)
        except InvalidProfile as refused:
            log.info("charging profile refused: %s", refused)
            return "Rejected", []
        self.store.install(profile)
        return "Accepted", self.refresh()

    def _check(self, profile: ChargingProfile) -> None:
        """What the charger's state and its configuration say about a profile."""
        config = self._configuration
        if profile.connector_id != 0 and profile.connector_id not in self._connectors:
            raise InvalidProfile(f"there is no connector {profile.connector_id}")
        if profile.stack_level > config.count("ChargeProfileMaxStackLevel"):
            raise InvalidProfile("stackLevel above ChargeProfileMaxStackLevel")
        if profile.schedule.unit not in units_allowed(config.text("ChargingScheduleAllowedChargingRateUnit")):
            raise InvalidProfile(f"chargingRateUnit {profile.schedule.unit} is not allowed")
        if len(profile.schedule.periods) > config.count("ChargingScheduleMaxPeriods"):
            raise InvalidProfile("more periods than ChargingScheduleMaxPeriods")
        if self.store.count_with(profile) > config.count("MaxChargingProfilesInstalled"):
            raise InvalidProfile("MaxChargingProfilesInstalled reached")
        if profile.purpose == TX:
            tx = self._connectors[profile.connector_id].transaction
            if tx is None:
                raise InvalidProfile("a TxProfile without a transaction on the connector")
            if profile.transaction_id is not None and profile.transaction_id not in (tx.transaction_id,
                                                                                     tx.local_id):
                raise InvalidProfile("a TxProfile for another transaction")

    def clear_profiles(self, p: dict[str, Any]) -> tuple[str, list[int]]:
        """ClearChargingProfile: Accepted when something was cleared, else Unknown."""
        purpose = p.get("chargingProfilePurpose")
        if purpose is not None and purpose not in PURPOSES:
            raise ValueError(f"{purpose!r} is not a chargingProfilePurpose")
        cleared = self.store.clear(profile_id=_optional_int(p.get("id")),
                                   connector_id=_optional_int(p.get("connectorId")),
                                   purpose=purpose, stack_level=_optional_int(p.get("stackLevel")))
        if not cleared:
            return "Unknown", []
        return "Accepted", self.refresh()

    def composite_schedule(self, connector_id: int, duration: int, unit: str | None) -> dict[str, Any]:
        """GetCompositeSchedule.conf: the limits in force from now for `duration` seconds."""
        if (connector_id != 0 and connector_id not in self._connectors) or duration <= 0:
            return {"status": "Rejected"}
        if unit is None:
            unit = "A" if "A" in units_allowed(self._configuration.text(
                "ChargingScheduleAllowedChargingRateUnit")) else "W"
        elif unit not in ("A", "W"):
            raise ValueError(f"{unit!r} is not a chargingRateUnit")
        now = utcnow()
        outlets = {n: Outlet(c.meter.max_power_w, c.transaction.started_at if c.transaction else now)
                   for n, c in self._connectors.items()}
        periods = composite_schedule(self.store, connector_id, start=now, duration=duration, unit=unit,
                                     outlets=outlets, phases=self._phases)
        return {"status": "Accepted", "connectorId": connector_id, "scheduleStart": framing.timestamp(now),
                "chargingSchedule": {"duration": duration, "chargingRateUnit": unit,
                                     "chargingSchedulePeriod": periods}}

    # ---- limits -----------------------------------------------------------------------------------------

    def limit_in_force(self, connector_id: int) -> Limit | None:
        """What the profiles allow the connector now (0: the whole charge point); None: no limit."""
        now = utcnow()
        cap, _ = self.store.charge_point_limit(now, self._phases)
        if connector_id == 0:
            return cap
        transaction = self._connectors[connector_id].transaction
        own, _ = self.store.connector_limit(connector_id, now, transaction.started_at if transaction else now,
                                            self._phases)
        return lowest(own, cap)

    def transaction_ended(self, connector_id: int) -> None:
        self.store.drop_transaction_profiles(connector_id)

    def refresh(self) -> list[int]:
        """Give every charging connector's meter what the profiles allow now, and wake up again at the next
        change. Returns the connectors moved between Charging and SuspendedEVSE, for the caller to report."""
        self.close()
        if not len(self.store) and not self._limiting:
            return []  # the usual case, and the hot one in a large fleet: nothing limits anything
        now = utcnow()
        cap, next_change = self.store.charge_point_limit(now, self._phases)
        changes = [next_change]
        own: dict[int, Limit | None] = {}
        demands: dict[int, float] = {}
        for n, connector in self._connectors.items():
            if connector.transaction is None:
                if connector.meter.limit_w is not None:
                    connector.meter.set_limit(None)
                continue
            limit, change = self.store.connector_limit(n, now, connector.transaction.started_at, self._phases)
            own[n] = limit
            changes.append(change)
            demands[n] = min(connector.meter.max_power_w, limit.watts if limit is not None else math.inf)
        allowed = share(cap.watts, demands) if cap is not None else demands
        self._limiting = False
        changed: list[int] = []
        for n, limit in own.items():
            connector = self._connectors[n]
            limits = [found for found in (limit, cap) if found is not None]
            if limits:
                connector.meter.set_limit(allowed[n], min(found.phases for found in limits))
                self._limiting = True
            else:
                connector.meter.set_limit(None)
            status = SUSPENDED_EVSE if limits and allowed[n] <= 0 else CHARGING
            if connector.status in (CHARGING, SUSPENDED_EVSE) and connector.status != status:
                connector.status = status
                changed.append(n)
        wake_at = min((c for c in changes if c is not None), default=None)
        if wake_at is not None and own:
            delay = max((wake_at - utcnow()).total_seconds(), 0.0) + TIMER_SLACK
            self._timer = asyncio.get_running_loop().call_later(delay, self._on_timer)
        return changed

    def _on_timer(self) -> None:
        self._timer = None
        changed = self.refresh()
        if changed:
            self._report(changed)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)
