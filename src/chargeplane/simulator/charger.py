"""A simulated OCPP 1.6J charge point: a `Station` with its connection to the central system.

Two ways to drive it. Tests take each step themselves (`connect`, `boot`, `start_transaction`,
`go_offline`...). `start()` adds a supervisor that keeps it connected (reconnecting with backoff and
jitter, booting until accepted) and `run()` adds the charging loop on top.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from chargeplane.simulator import framing
from chargeplane.simulator.autocharge import charge_in_a_loop
from chargeplane.simulator.charging_profiles import Limit
from chargeplane.simulator.commands import answer_call
from chargeplane.simulator.delivery import deliver_in_order
from chargeplane.simulator.link import (
    Answer,
    CallErrorReceived,
    CallTimeout,
    HandshakeRefused,
    Link,
    LinkError,
    NotConnected,
)
from chargeplane.simulator.options import ChargerOptions
from chargeplane.simulator.station import Station
from chargeplane.simulator.transaction_queue import QueuedMessage

log = logging.getLogger(__name__)


class SimulatedCharger(Station):
    def __init__(self, options: ChargerOptions) -> None:
        super().__init__(options)
        self.boot_status: str | None = None    # the answer to our last BootNotification
        self.backoff_delays: list[float] = []  # every reconnect delay drawn, for whoever wants to check
        self._link: Link | None = None
        self._accepted_link: Link | None = None  # the link on which the last boot was accepted
        self._ready_link: Link | None = None     # ... and whose after-boot status reports went out
        self._ready = asyncio.Event()
        self._online_allowed = asyncio.Event()
        self._online_allowed.set()
        self._boot_requested = asyncio.Event()   # TriggerMessage BootNotification while we wait to boot
        self._waiting_to_boot = False
        self._needs_boot = True                  # a power cycle or Reset: boot even if boot_on_reconnect is off
        self._heartbeat: asyncio.Task[None] | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._delivery: asyncio.Task[None] | None = None
        self._autocharge: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.configuration.on_change(self._on_key_changed)

    # ---- state ------------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._link is not None and self._link.is_open

    @property
    def accepted(self) -> bool:
        return self.connected and self._accepted_link is self._link

    @property
    def ready(self) -> bool:
        """Accepted, and the status of every connector reported: transaction messages may flow."""
        return self.connected and self._ready_link is self._link

    async def wait_ready(self, timeout: float | None = 30.0) -> None:
        async with asyncio.timeout(timeout):
            while not self.ready:
                self._ready.clear()
                await self._ready.wait()

    def current_draw(self, connector_id: int = 1) -> float:
        """Amps per phase the connector draws now (what its next MeterValues will show)."""
        return self.connector(connector_id).meter.current_a

    def limit_in_force(self, connector_id: int = 1) -> Limit | None:
        """What the charging profiles allow the connector now (0: the whole charge point); None: no limit."""
        if connector_id != 0:
            self.connector(connector_id)  # NotPossible for a connector it does not have
        return self.smart_charging.limit_in_force(connector_id)

    async def wait_queue_empty(self, timeout: float = 30.0) -> None:
        """Until every transaction message is delivered (or given up on)."""
        async with asyncio.timeout(timeout):
            await self.queue.wait_empty()

    # ---- the connection ---------------------------------------------------------------------------

    async def connect(self) -> None:
        """One handshake attempt with our identity and current AuthorizationKey; raises HandshakeRefused."""
        if self.connected:
            return
        try:
            link = await Link.open(
                self.options.url, identity=self.identity, password=self.configuration.authorization_key,
                on_call=self._on_server_call, spawn=self._spawn, stats=self.stats,
                call_timeout=self.options.call_timeout, open_timeout=self.options.open_timeout)
        except HandshakeRefused as refused:
            self.stats.handshake_refusals += 1
            self.stats.last_refusal = refused.reason
            raise
        self._link = link
        self.stats.connects += 1
        self._start_task("_delivery", lambda: deliver_in_order(self))
        self._spawn(lambda: self._watch(link))
        if not self._needs_boot and not self.options.boot_on_reconnect and self.boot_status == "Accepted":
            # Back after a network failure, not a restart: it carries on where it was, without a boot.
            self._accepted_link = link
            self._spawn(lambda: self._after_boot(link))

    async def boot(self) -> dict[str, Any]:
        """One BootNotification; on Accepted the connector statuses and heartbeats follow."""
        link = self._link
        if link is None or not link.is_open:
            raise NotConnected(f"{self.identity} is offline")
        reply = await link.call("BootNotification", {
            "chargePointVendor": self.options.vendor, "chargePointModel": self.options.model,
            "chargePointSerialNumber": self.options.serial_number or self.identity[:25],
            "firmwareVersion": self.options.firmware_version,
        })
        self.boot_status = str(reply.get("status"))
        if self.boot_status == "Accepted":
            interval = reply.get("interval")
            if isinstance(interval, int) and interval > 0:
                self.configuration.set("HeartbeatInterval", str(interval))
            self._accepted_link = link
            self._needs_boot = False
            self.stats.boots += 1
            await self._after_boot(link)
        return reply

    async def _after_boot(self, link: Link) -> None:
        for connector_id in (0, *self.connectors):
            await self.send_status(connector_id)
        if link is not self._link or not link.is_open:
            return
        self._restart_heartbeat()
        self._ready_link = link
        self._ready.set()

    async def _watch(self, link: Link) -> None:
        await link.wait_closed()
        self.stats.disconnects += 1
        if self._heartbeat is not None and self._link is link:
            self._heartbeat.cancel()
        self._ready.clear()

    def start(self) -> None:
        """Keep connected from now on: reconnect with backoff, boot until accepted."""
        self._start_task("_supervisor", self._supervise)

    async def _supervise(self) -> None:
        failures = 0
        while True:
            await self._online_allowed.wait()
            link = self._link
            if link is None or not link.is_open:
                try:
                    await self.connect()
                except HandshakeRefused as refused:
                    failures += 1
                    log.log(logging.WARNING if failures == 1 else logging.DEBUG,
                            "%s: handshake refused (%s); retrying with backoff", self.identity, refused.reason)
                    await self._back_off(failures)
                    continue
                except Exception:  # whatever else breaks a connection attempt must not end the supervisor
                    failures += 1
                    log.exception("%s: connecting failed", self.identity)
                    await self._back_off(failures)
                    continue
                link = self._link
                assert link is not None
            if not self.accepted and not await self._boot_until_accepted(link):
                failures += 1
                await self._back_off(failures)
                continue
            failures = 0
            await link.wait_closed()
            if self._online_allowed.is_set():
                await self._back_off(1)  # a dropped connection: come back soon, but not all at once

    async def _back_off(self, failures: int) -> None:
        # Exponential with "equal jitter": never zero, and a fleet that lost the server together spreads out.
        ceiling = min(self.options.backoff_cap, self.options.backoff_initial * 2 ** min(failures - 1, 30))
        delay = self.rng.uniform(ceiling / 2, ceiling)
        self.backoff_delays.append(delay)
        await asyncio.sleep(delay)

    async def _boot_until_accepted(self, link: Link) -> bool:
        """Boot; while Pending or Rejected, wait the interval the server asked for (or its trigger)."""
        while link.is_open:
            self._boot_requested.clear()
            try:
                reply = await self.boot()
            except NotConnected:
                return False
            except (CallTimeout, CallErrorReceived) as exc:
                log.info("%s: BootNotification failed: %s", self.identity, exc)
                interval = self.options.boot_retry_seconds
            else:
                if reply.get("status") == "Accepted":
                    return True
                interval = float(reply.get("interval") or self.options.boot_retry_seconds)
                log.info("%s: boot %s; booting again in %g s", self.identity, reply.get("status"), interval)
            self._waiting_to_boot = True
            try:
                await _first_of(self._boot_requested.wait(), link.wait_closed(), timeout=interval)
            finally:
                self._waiting_to_boot = False
        return False

    async def triggered_boot(self) -> None:
        """TriggerMessage BootNotification: wakes a boot loop waiting out Pending, or boots once more."""
        if self._waiting_to_boot:
            self._boot_requested.set()
        else:
            await self.boot()

    async def go_offline(self) -> None:
        """Lose the network: the socket drops without a close handshake, charging goes on, messages queue."""
        self._online_allowed.clear()
        link = self._link
        if link is not None and link.is_open:
            link.abort()
            await link.wait_closed()

    async def go_online(self) -> None:
        """The network is back: reconnect at once, boot, replay what was queued (`wait_ready` waits for it)."""
        self._allow_online()

    def _allow_online(self) -> None:
        self._online_allowed.set()
        self.start()

    async def reset(self, kind: str = "Soft") -> None:
        """What a Reset does: stop transactions (SoftReset/HardReset), go away, come back and boot."""
        self._rebooting = True
        try:
            reason = "HardReset" if kind == "Hard" else "SoftReset"
            for connector in self.connectors.values():
                if connector.transaction is not None:
                    await self.stop_transaction(connector.connector_id, reason=reason)
            if self.ready:  # the stops carry money: give them a chance to leave before the restart
                with contextlib.suppress(TimeoutError):
                    await self.wait_queue_empty(self.options.call_timeout)
            self._online_allowed.clear()
            self._needs_boot = True
            link = self._link
            if link is not None:
                await link.close(1000, "rebooting")
            await asyncio.sleep(self.options.reboot_seconds)
        finally:
            self._rebooting = False
            self._allow_online()

    # ---- messages ---------------------------------------------------------------------------------

    async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        link = self._link
        if link is None or not self.accepted:
            raise NotConnected(f"{self.identity} is not connected and accepted")
        return await link.call(action, payload)

    async def heartbeat(self) -> dict[str, Any]:
        return await self.call("Heartbeat", {})

    def _restart_heartbeat(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        self._heartbeat = asyncio.get_running_loop().create_task(self._beat(), name=f"{self.identity}-heartbeat")

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.configuration.seconds("HeartbeatInterval"))
            try:
                await self.heartbeat()
            except LinkError as exc:
                log.debug("%s: heartbeat failed: %s", self.identity, exc)

    def _on_key_changed(self, key: str) -> None:
        if key == "HeartbeatInterval" and self.accepted:
            self._restart_heartbeat()  # the new interval counts from now, not after the old one ran out

    async def _await_delivery(self, message: QueuedMessage) -> None:
        """Online, wait until the message is answered or given up on; offline it just stays queued."""
        link = self._link
        if link is None or not self.ready:
            return
        await _first_of(message.outcome, link.wait_closed(), timeout=self.options.call_timeout * 2)

    def _on_server_call(self, call: framing.Call) -> Answer:
        return answer_call(self, call)

    # ---- running ----------------------------------------------------------------------------------

    async def run(self, duration: float | None = None) -> None:
        """Stay connected and, with `auto_charge`, charge in a loop; until cancelled or `duration` is over."""
        self.start()
        if self.options.auto_charge:
            self.start_charging_loop()
        try:
            if duration is None:
                await asyncio.Event().wait()
            else:
                await asyncio.sleep(duration)
        finally:
            await self.stop()

    def start_charging_loop(self, connector_id: int = 1) -> None:
        """Charge in a loop (see autocharge) from now on, until `stop()`."""
        self._start_task("_autocharge", lambda: charge_in_a_loop(self, connector_id))

    async def stop(self, *, graceful: bool = True, timeout: float = 5.0) -> None:
        """Stop everything. Gracefully: running transactions end (reason Other) and have `timeout` to leave."""
        if self._autocharge is not None:
            self._autocharge.cancel()  # no new sessions from here on
        if graceful:
            with contextlib.suppress(TimeoutError, LinkError):
                async with asyncio.timeout(timeout):
                    for connector in self.connectors.values():
                        if connector.transaction is not None:
                            await self.stop_transaction(connector.connector_id, reason="Other")
                    if self.ready:
                        await self.queue.wait_empty()
        self.smart_charging.close()
        self._online_allowed.clear()  # first, so that the supervisor does not reconnect
        link = self._link
        if link is not None and link.is_open:
            await link.close(1000, "simulator stopping")
        tasks = [t for t in (self._supervisor, self._delivery, self._heartbeat, self._autocharge, *self._tasks,
                             *(c.metering for c in self.connectors.values())) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _start_task(self, attribute: str, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        task: asyncio.Task[None] | None = getattr(self, attribute)
        if task is None or task.done():
            setattr(self, attribute, asyncio.get_running_loop().create_task(
                work(), name=f"{self.identity}{attribute}"))

    def _spawn(self, work: Callable[[], Awaitable[None]]) -> None:
        async def guarded() -> None:
            try:
                await work()
            except LinkError:
                pass  # offline or unanswered: what it said is lost or queued, as the station decided
            except Exception:
                log.exception("%s: background work failed", self.identity)

        task = asyncio.get_running_loop().create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def _first_of(*waitables: Awaitable[Any], timeout: float | None) -> None:
    """Until the first of these is done (or the timeout). Tasks made here are cancelled afterwards;
    a future handed in (someone else's) is left alone."""
    made: list[asyncio.Future[Any]] = []
    futures: list[asyncio.Future[Any]] = []
    for waitable in waitables:
        if isinstance(waitable, asyncio.Future):
            futures.append(waitable)
        else:
            made.append(asyncio.ensure_future(waitable))
            futures.append(made[-1])
    try:
        await asyncio.wait(futures, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in made:
            task.cancel()
