"""Draining the transaction queue: in order, one message at a time, whenever the charger is ready.

What the server's answer means for a queued message: a result delivers it; InternalError or silence
means "try again later" (a bounded number of times, TransactionMessageAttempts, spaced by
TransactionMessageRetryInterval x attempt); any other CALLERROR means the message itself is wrong,
so it is dropped rather than sent forever. Losing the connection costs no attempt: it waits.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from chargeplane.simulator import framing
from chargeplane.simulator.link import CallErrorReceived, CallTimeout, NotConnected
from chargeplane.simulator.transaction_queue import QueuedMessage

if TYPE_CHECKING:
    from chargeplane.simulator.charger import SimulatedCharger

log = logging.getLogger(__name__)


async def deliver_in_order(charger: SimulatedCharger) -> None:
    queue = charger.queue
    while True:
        message = await queue.wait_for_head()
        if not charger.ready:
            await charger.wait_ready(timeout=None)
            continue
        delay = message.retry_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
            continue
        payload = message.payload_to_send()
        if payload is None:
            _give_up(charger, message, "its StartTransaction was refused")
            continue
        try:
            reply = await charger.call(message.action, payload)
        except NotConnected:
            await asyncio.sleep(0)  # let the connection's watcher see the closed link
            continue
        except CallErrorReceived as exc:
            if exc.code == framing.INTERNAL_ERROR:
                _retry_later(charger, message, f"CALLERROR {exc.code}")
            else:
                _give_up(charger, message, f"CALLERROR {exc.code}: {exc.description}")
            continue
        except CallTimeout:
            _retry_later(charger, message, "no answer")
            continue
        if message.action == "StartTransaction":
            charger.record_start_answer(message.transaction, reply)
        queue.finish_head(reply)


def _retry_later(charger: SimulatedCharger, message: QueuedMessage, why: str) -> None:
    attempts = charger.configuration.count("TransactionMessageAttempts")
    if message.attempts + 1 >= attempts:
        _give_up(charger, message, f"{why}, {attempts} attempts")
        return
    interval = charger.configuration.seconds("TransactionMessageRetryInterval")
    charger.queue.retry_head_later(interval * (message.attempts + 1))


def _give_up(charger: SimulatedCharger, message: QueuedMessage, why: str) -> None:
    log.warning("%s: giving up on %s: %s", charger.identity, message.action, why)
    if message.action == "StartTransaction":
        message.transaction.start_dropped = True
    charger.stats.queued_dropped += 1
    charger.queue.finish_head(None)
