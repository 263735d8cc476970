"""The charging loop of an autonomous charger: authorize, start, meter, stop, idle, again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from chargeplane.simulator.link import LinkError
from chargeplane.simulator.station import AuthorizationRejected, NotPossible

if TYPE_CHECKING:
    from chargeplane.simulator.charger import SimulatedCharger

log = logging.getLogger(__name__)

BUSY_POLL_SECONDS = 0.5  # how often a busy or unavailable connector is looked at again


async def charge_in_a_loop(charger: SimulatedCharger, connector_id: int = 1) -> None:
    """Charges on one connector for `charge_seconds`, rests `idle_seconds`, and again, until cancelled.

    The first session waits for the server (its Authorize fills the authorization cache); later ones
    go on while offline. A remote stop, a reset or a fault simply ends the session early."""
    options = charger.options
    await charger.wait_ready(timeout=None)
    while True:
        connector = charger.connector(connector_id)
        if not connector.free or not charger.can_start:
            await asyncio.sleep(BUSY_POLL_SECONDS)
            continue
        try:
            tx = await charger.start_transaction(connector_id)
        except (AuthorizationRejected, NotPossible, LinkError) as exc:
            log.info("%s: could not start charging: %s", charger.identity, exc)
            await asyncio.sleep(max(options.idle_seconds, BUSY_POLL_SECONDS))
            continue
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(options.charge_seconds):
                await tx.ended.wait()
        await charger.stop_transaction_if_running(connector_id, "Local", tx)
        await asyncio.sleep(options.idle_seconds)
