"""One load-generating process: a slice of the fleet, driven by the benchmark over stdin/stdout.

The protocol is one JSON object per line each way, one command at a time:
    {"cmd": "start", "plan": {...}}  -> {"ok": true}          chargers start connecting
    {"cmd": "snapshot"}              -> Snapshot              cumulative figures
    {"cmd": "rate", "per_second": r} -> {"ok": true}          the pacer's rate (0 pauses it)
    {"cmd": "stop", "graceful": b}   -> Snapshot              chargers stop; the process exits
Run as `python -m loadbench.worker` with bench/ on PYTHONPATH. Logs go to stderr.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
import time
from dataclasses import dataclass
from typing import Any

import orjson

from chargeplane.simulator import ChargerOptions
from chargeplane.simulator.stats import combined
from loadbench.counting import CountingCharger
from loadbench.pacer import Pacer
from loadbench.processes import raise_open_files_limit
from loadbench.snapshots import Snapshot

log = logging.getLogger("loadbench.worker")


@dataclass(frozen=True, slots=True)
class WorkerPlan:
    url: str                     # ws://host:port/ocpp
    password: str
    identities: list[str]
    id_tags: list[str]           # one per identity: one card charging on two chargers would be ConcurrentTx
    connect_rate: float          # chargers started per second, at most ...
    connect_window: int          # ... and no more than this many between start and their session's start
    pattern: list[str]           # the message mix, see pacer.mix_pattern
    measurands: str
    call_timeout: float


class Worker:
    def __init__(self) -> None:
        self.chargers: list[CountingCharger] = []
        self.pacer: Pacer | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopped = False
        self._gc_settled = False

    async def handle(self, command: dict[str, Any]) -> dict[str, Any]:
        kind = command["cmd"]
        if kind == "start":
            self.start(WorkerPlan(**command["plan"]))
            return {"ok": True}
        if kind == "snapshot":
            return self.snapshot().to_json()
        if kind == "rate":
            assert self.pacer is not None
            if not self._gc_settled:
                settle_collector()
                self._gc_settled = True
            self.pacer.set_rate(float(command["per_second"]))
            return {"ok": True}
        if kind == "stop":
            await self.stop(graceful=bool(command.get("graceful")), timeout=float(command.get("timeout", 10)))
            return self.snapshot().to_json()
        raise ValueError(f"unknown command {kind!r}")

    def start(self, plan: WorkerPlan) -> None:
        for identity, id_tag in zip(plan.identities, plan.id_tags, strict=True):
            self.chargers.append(CountingCharger(ChargerOptions(
                url=plan.url, identity=identity, password=plan.password, id_tag=id_tag,
                meter_interval=0,          # no meter clock of its own: the pacer says when
                measurands=plan.measurands,
                auto_charge=True, charge_seconds=1e9,  # one session each, running through the whole benchmark
                idle_seconds=1.0, call_timeout=plan.call_timeout, open_timeout=60.0,
                backoff_initial=1.0, backoff_cap=10.0,
            )))
        measurands = [m.strip() for m in plan.measurands.split(",") if m.strip()]
        self.pacer = Pacer(self.chargers, plan.pattern, measurands)
        self._tasks.append(asyncio.create_task(self._connect(plan.connect_rate, plan.connect_window)))
        self._tasks.append(asyncio.create_task(self.pacer.run()))

    async def _connect(self, rate: float, window: int) -> None:
        """Start the chargers at `rate`, holding back while `window` of them are still on their way
        (connect, boot, status, authorize, start a session): the ramp then runs as fast as the server
        admits chargers, instead of burying it in handshakes that time out and retry."""
        started = time.monotonic()
        on_the_way: set[CountingCharger] = set()
        for n, charger in enumerate(self.chargers):
            while len(on_the_way) >= window:
                await asyncio.sleep(0.02)
                on_the_way = {c for c in on_the_way if not _session_started(c)}
            charger.start()
            charger.start_charging_loop()
            on_the_way.add(charger)
            # Against the clock rather than step by step: sleeps overshoot, and would stretch the ramp.
            delay = started + (n + 1) / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)

    def snapshot(self) -> Snapshot:
        snapshot = Snapshot(at=time.monotonic(), chargers=len(self.chargers), cpu_seconds=time.process_time())
        snapshot.fill_from_stats(combined(c.stats for c in self.chargers))
        for charger in self.chargers:
            snapshot.ready += charger.ready
            snapshot.charging += charger.charging
            snapshot.queued += len(charger.queue)
            snapshot.acked_readings += charger.acked_readings
            snapshot.acked_samples += charger.acked_samples
        acked: dict[str, int] = {}
        for charger in self.chargers:
            for action, count in charger.acked.items():
                acked[action] = acked.get(action, 0) + count
        snapshot.acked = acked
        if self.pacer is not None:
            snapshot.paced, snapshot.paced_skipped = self.pacer.issued, self.pacer.skipped
            snapshot.in_flight = self.pacer.in_flight
        return snapshot

    async def stop(self, *, graceful: bool, timeout: float) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self.pacer is not None:
            await self.pacer.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(c.stop(graceful=graceful, timeout=timeout) for c in self.chargers),
                             return_exceptions=True)


def settle_collector() -> None:
    """Once the fleet is up: keep the collector off the chargers' long-lived objects. Measured, a worker
    with 3,300 connections under default thresholds paused for hundreds of milliseconds in gen-2
    collections, and every pause is added to the round trips it measures."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 1000)


def _session_started(charger: CountingCharger) -> bool:
    transaction = charger.connectors[1].transaction
    return charger.ready and transaction is not None and transaction.transaction_id is not None


async def serve_commands() -> None:
    raise_open_files_limit()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    worker = Worker()
    try:
        while line := await reader.readline():
            command = orjson.loads(line)
            try:
                reply = await worker.handle(command)
            except Exception as exc:
                log.exception("command %s failed", command.get("cmd"))
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            sys.stdout.buffer.write(orjson.dumps(reply, option=orjson.OPT_NON_STR_KEYS) + b"\n")
            sys.stdout.buffer.flush()
            if command["cmd"] == "stop":
                return
    finally:
        # The benchmark went away without a stop (it was interrupted): leave without a fuss.
        with contextlib.suppress(Exception):
            await worker.stop(graceful=False, timeout=1.0)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve_commands())
    else:
        # The clients must not be the bottleneck: uvloop is the cheaper loop, and uvicorn uses it too.
        uvloop.run(serve_commands())


if __name__ == "__main__":
    main()
