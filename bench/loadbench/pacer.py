"""The sustained load: an open-loop schedule of CALLs spread evenly over a worker's chargers.

Open loop: messages are due at a fixed rate whether or not the server keeps up, as with real
chargers whose meters tick regardless. A late server shows as growing latency, and as messages that
find no free charger, not as a politely lower rate. Each message goes to the next charger in turn
that has nothing of ours in flight, so that no charger holds two of our messages at once (OCPP-J
allows one outstanding CALL).

MeterValues go straight through the charger's `call` (its link, lock, statistics) with samples from
its own `Meter`, not through the offline transaction queue: measured, the queue's per-message
bookkeeping (`_await_delivery` starts two tasks and an `asyncio.wait`) and re-parsing the
MeterValuesSampledData key cost ~40 % of a worker's CPU, and on two cores the clients' CPU is the
server's. Online, with one message at a time, the server sees the same frames either way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from chargeplane.simulator import framing
from chargeplane.simulator.link import LinkError
from loadbench.counting import CountingCharger

log = logging.getLogger(__name__)

METER_VALUES, HEARTBEAT, STATUS = "MeterValues", "Heartbeat", "StatusNotification"
KINDS = (METER_VALUES, HEARTBEAT, STATUS)
TICK_SECONDS = 0.005
MAX_TRIES = 64  # chargers looked at for a free one before the message is counted as skipped


def mix_pattern(shares: Mapping[str, float], length: int = 100) -> tuple[str, ...]:
    """A repeating sequence of message kinds with the given shares, interleaved as evenly as possible
    (smooth weighted round robin), so that a short window sees the same mix as a long one."""
    total = sum(shares.values())
    weights = {kind: share / total for kind, share in shares.items() if share > 0}
    credit = dict.fromkeys(weights, 0.0)
    pattern = []
    for _ in range(length):
        for kind in credit:
            credit[kind] += weights[kind]
        chosen = max(credit, key=lambda k: credit[k])
        credit[chosen] -= 1.0
        pattern.append(chosen)
    return tuple(pattern)


class Pacer:
    def __init__(self, chargers: Sequence[CountingCharger], pattern: Sequence[str], measurands: Sequence[str]) -> None:
        self.chargers = chargers
        self.pattern = pattern
        self.measurands = list(measurands)
        self.issued = 0     # messages handed to chargers
        self.skipped = 0    # messages due that found no free charger
        self._rate = 0.0
        self._origin = 0.0
        self._issued_at_origin = 0
        self._next = 0
        self._busy: set[CountingCharger] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    def set_rate(self, per_second: float) -> None:
        loop = asyncio.get_running_loop()
        self._rate = per_second
        self._origin = loop.time()
        self._issued_at_origin = self.issued + self.skipped

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(TICK_SECONDS)
            if self._rate <= 0:
                continue
            # Due since the rate was set, not since the last tick: a late tick catches up.
            due = int((loop.time() - self._origin) * self._rate) - (self.issued + self.skipped - self._issued_at_origin)
            for _ in range(due):
                self._issue()

    async def stop(self) -> None:
        self._rate = 0.0
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _issue(self) -> None:
        kind = self.pattern[(self.issued + self.skipped) % len(self.pattern)]
        charger = self._free_charger()
        if charger is None:
            self.skipped += 1
            return
        self.issued += 1
        self._busy.add(charger)
        task = asyncio.get_running_loop().create_task(self._send(charger, kind))
        self._tasks.add(task)
        task.add_done_callback(self._finished(charger))

    def _finished(self, charger: CountingCharger) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            self._busy.discard(charger)

        return done

    def _free_charger(self) -> CountingCharger | None:
        count = len(self.chargers)
        for _ in range(min(MAX_TRIES, count)):
            charger = self.chargers[self._next]
            self._next = (self._next + 1) % count
            if charger not in self._busy and charger.ready:
                return charger
        return None

    def _meter_values(self, charger: CountingCharger) -> dict[str, Any]:
        """What Station.meter_values_payload makes, with the transaction's id as delivery would add it."""
        connector = charger.connectors[1]
        payload: dict[str, Any] = {"connectorId": 1, "meterValue": [{
            "timestamp": framing.timestamp(),
            "sampledValue": connector.meter.sampled_values(self.measurands, "Sample.Periodic")}]}
        transaction = connector.transaction
        if transaction is not None and transaction.transaction_id is not None:
            payload["transactionId"] = transaction.transaction_id
        return payload

    async def _send(self, charger: CountingCharger, kind: str) -> None:
        try:
            if kind == METER_VALUES:
                await charger.call("MeterValues", self._meter_values(charger))
            elif kind == HEARTBEAT:
                await charger.heartbeat()
            else:
                await charger.send_status(1)
        except LinkError:
            pass  # counted by the simulator's stats (timeouts, CALLERRORs); a lost link reconnects
        except Exception:
            log.exception("%s: %s failed", charger.identity, kind)
