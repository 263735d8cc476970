"""Connectors and the transactions that run on them, as the charge point itself knows them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chargeplane.simulator.meter import Meter

AVAILABLE = "Available"
PREPARING = "Preparing"
CHARGING = "Charging"
SUSPENDED_EVSE = "SuspendedEVSE"  # a transaction runs, but the charge point offers no energy (a limit of 0)
FINISHING = "Finishing"
UNAVAILABLE = "Unavailable"
FAULTED = "Faulted"


@dataclass(eq=False, slots=True)
class Transaction:
    connector_id: int
    id_tag: str
    # Our own number for it, negative so that it can never pass for the server's: it stands in for the
    # server's transactionId in messages queued before the StartTransaction was answered.
    local_id: int
    meter_start_wh: int
    started_at: datetime
    begin_values: list[dict[str, Any]] = field(default_factory=list)
    transaction_id: int | None = None      # the server's, once StartTransaction is answered
    id_tag_status: str | None = None       # idTagInfo.status from StartTransaction.conf
    start_dropped: bool = False            # StartTransaction was refused for good: no id will come
    meter_value_messages: int = 0          # MeterValues made for it (sent or queued)
    meter_stop_wh: int | None = None
    stopped_at: datetime | None = None
    stop_reason: str | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def running(self) -> bool:
        return self.stopped_at is None

    @property
    def energy_wh(self) -> int | None:
        return None if self.meter_stop_wh is None else self.meter_stop_wh - self.meter_start_wh


@dataclass(eq=False, slots=True)
class Connector:
    connector_id: int
    meter: Meter
    status: str = AVAILABLE
    error_code: str = "NoError"
    operative: bool = True
    # ChangeAvailability that must wait for the running transaction to end ("Operative"/"Inoperative").
    scheduled_availability: str | None = None
    transaction: Transaction | None = None
    starting: bool = False  # a start is under way (authorizing): not free for another one
    metering: asyncio.Task[None] | None = None

    @property
    def free(self) -> bool:
        return self.transaction is None and not self.starting and self.operative and self.status != FAULTED
