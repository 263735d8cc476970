"""One server's run: ramp up the connections, then for each rate a warm-up and a measured window,
then (with storage) a SIGKILL under load before the rows are counted.

A window is bracketed by two readings taken as close together as possible: the workers' snapshots,
the server's CPU time and RSS, the machine's CPU, and the database's row and commit counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from loadbench import processes, profiling
from loadbench.databases import BenchDatabase, HotRows, cpu_used
from loadbench.plan import LoadSettings
from loadbench.results import RunResult
from loadbench.servers import Server, ServerFailed
from loadbench.snapshots import Snapshot, window
from loadbench.workers import WorkerPool

DRAIN_SECONDS = 30.0


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@dataclass(slots=True)
class Reading:
    fleet: Snapshot
    server_cpu: float
    machine: processes.MachineCpu
    database_cpu: dict[int, float]
    rows: HotRows | None = None
    rows_at: float = 0.0
    commits: int | None = None


class Run:
    def __init__(self, server: Server, settings: LoadSettings, template: RunResult, run_dir: Path,
                 database: BenchDatabase | None) -> None:
        self.server = server
        self.settings = settings
        self.template = template  # label, registration, notes: shared by every step's result
        self.run_dir = run_dir
        self.database = database
        self.results: list[RunResult] = []
        self._last: Snapshot | None = None
        self._label = template.label

    async def drive(self) -> Snapshot:
        """Everything from the first connection to the last; returns the fleet's final figures
        (every acknowledgement of the run). `results` holds one result per rate."""
        settings, template = self.settings, self.template
        template.rss_before = processes.rss_bytes(self.server.pid)
        log_dir = self.run_dir / f"{self._label.replace('/', '-')}-workers"
        log_dir.mkdir(exist_ok=True)
        async with WorkerPool(settings.workers, log_dir) as pool:
            async with self._profiled("ramp") as profile:
                await pool.start(settings.worker_plans(self.server.ocpp_url))
                await self._ramp(pool)
            template.ramp_profile = profile[0] if profile else None
            template.rss_after_ramp = processes.rss_bytes(self.server.pid)
            for rate in settings.rates:
                result = dataclasses.replace(template, offered_rate=rate, notes=list(template.notes))
                self.results.append(result)
                self._label = f"{template.label} @{rate:g}"
                await pool.set_rate(rate)
                await self._watch(pool, settings.warmup, "warm-up")
                await self._measure(pool, result)
            # After the last window, under load still: what would a gen-2 collection cost now?
            self.results[-1].full_collection = await self.server.full_collection()
            if settings.crash_check and self.database is not None:
                self._alive()
                await self.server.kill()
                self.results[-1].notes.append("server SIGKILLed under load at the end of the window, then counted")
                await asyncio.sleep(1.0)  # every answer that was on the wire has arrived
            else:
                await pool.set_rate(0)
                await self._drain(pool)
            return await pool.stop(graceful=False)

    def _alive(self) -> None:
        process = self.server.process
        if process is not None and process.returncode is not None:
            code = process.returncode
            why = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
            raise ServerFailed(f"{self.server.label} (pid {process.pid}) ended during the run ({why}); if its log "
                               f"{self.server.log} ends with a plain 'Shutting down', something outside the "
                               "benchmark signalled it (a broad pkill?)")

    async def _ramp(self, pool: WorkerPool) -> None:
        settings, result = self.settings, self.template
        started = processes.now()
        deadline = started + settings.ramp_timeout
        say(f"[{self._label}] connecting {settings.chargers} chargers (at most {settings.connect_rate:g}/s, "
            f"{settings.connect_window} at a time); each boots, reports status and starts a session")
        last_line = started
        while True:
            await asyncio.sleep(0.5)
            self._alive()
            fleet = await pool.snapshot()
            done = fleet.ready >= settings.chargers and fleet.acked.get("StartTransaction", 0) >= settings.chargers
            if processes.now() - last_line >= settings.status_every or done:
                self._progress("ramp", processes.now() - started, fleet)
                last_line = processes.now()
            if done or processes.now() > deadline:
                break
        result.ramp_seconds = processes.now() - started
        result.connected_after_ramp = fleet.ready
        result.ramp_complete = done
        if not done:
            result.notes.append(f"ramp timed out after {settings.ramp_timeout:g} s: {fleet.ready} ready, "
                                f"{fleet.acked.get('StartTransaction', 0)} sessions started")

    async def _watch(self, pool: WorkerPool, seconds: float, phase: str) -> None:
        started = processes.now()
        while (left := started + seconds - processes.now()) > 0:
            await asyncio.sleep(min(self.settings.status_every, left))
            self._alive()
            self._progress(phase, processes.now() - started, await pool.snapshot())

    async def _read(self, pool: WorkerPool) -> Reading:
        self._alive()
        reading = Reading(fleet=await pool.snapshot(), server_cpu=processes.cpu_seconds(self.server.pid),
                          machine=processes.MachineCpu.read(),
                          database_cpu=await self.database.cpu_seconds() if self.database else {})
        if self.database is not None:
            before = processes.now()
            reading.rows = await self.database.hot_rows()
            reading.rows_at = (before + processes.now()) / 2
            reading.commits = await self.database.commits()
        return reading

    @contextlib.asynccontextmanager
    async def _profiled(self, phase: str) -> AsyncIterator[list[str]]:
        """With --profile, py-spy samples the server for the block; the summary lands in the list."""
        summary: list[str] = []
        if self.settings.profile_dir is None:
            yield summary
            return
        self.settings.profile_dir.mkdir(parents=True, exist_ok=True)
        raw = self.settings.profile_dir / f"{self._label.replace('/', '-').replace(' @', '-')}-{phase}.txt"
        spy = await profiling.start(self.server.pid, output=raw, log=self.run_dir / "py-spy.log")
        started = processes.now()
        try:
            yield summary
        finally:
            await profiling.finish(spy)
        if raw.exists():
            summary.append(f"raw stacks: {raw}\n" + profiling.summarize(raw, processes.now() - started))

    async def _measure(self, pool: WorkerPool, result: RunResult) -> None:
        before = await self.server.gc_pauses()  # starts the probe's record afresh
        start = await self._read(pool)
        async with self._profiled("window") as profile:
            await self._watch(pool, self.settings.duration, "measure")
            end = await self._read(pool)
        result.gc = await self.server.gc_pauses()
        result.profile = profile[0] if profile else None
        self._record_window(result, start, end)
        commits = [(r or {}).get("group_commit") for r in (before, result.gc)]
        if commits[0] and commits[1]:
            batches = commits[1]["batches"] - commits[0]["batches"]
            result.batches_per_second = batches / result.window_seconds
            result.units_per_batch = (commits[1]["units"] - commits[0]["units"]) / batches if batches else None

    def _record_window(self, result: RunResult, start: Reading, end: Reading) -> None:
        seconds = end.fleet.at - start.fleet.at
        diff = window(start.fleet, end.fleet)
        histogram = diff.histogram()
        result.window_seconds = seconds
        result.held = min(start.fleet.ready, end.fleet.ready)
        result.disconnects = diff.disconnects
        result.answered = diff.answered
        result.achieved_rate = diff.answered / seconds
        result.samples_per_second = diff.acked_samples / seconds
        result.rtt_p50, result.rtt_p99 = histogram.percentile(50), histogram.percentile(99)
        result.rtt_max = diff.rtt_max
        result.call_errors, result.timeouts = diff.call_errors_received, diff.timeouts
        result.skipped = diff.paced_skipped
        result.in_flight_at_end = end.fleet.queued + end.fleet.in_flight
        result.rss_end = processes.rss_bytes(self.server.pid)
        result.server_cores = (end.server_cpu - start.server_cpu) / seconds
        result.client_cores = diff.cpu_seconds / seconds
        result.database_cores = cpu_used(start.database_cpu, end.database_cpu) / seconds
        result.machine_busy = end.machine.busy_share_since(start.machine)
        if start.rows is not None and end.rows is not None:
            elapsed = end.rows_at - start.rows_at
            result.meter_rows_per_second = (end.rows.meter_values - start.rows.meter_values) / elapsed
            result.message_rows_per_second = (end.rows.messages - start.rows.messages) / elapsed
            if start.commits is not None and end.commits is not None:
                # PostgreSQL's statistics lag by up to half a second; over a minute that is noise.
                result.commits_per_second = (end.commits - start.commits) / elapsed

    async def _drain(self, pool: WorkerPool) -> None:
        """Let what is queued or in flight be answered, so that the final counts are settled."""
        started = processes.now()
        while processes.now() - started < DRAIN_SECONDS:
            fleet = await pool.snapshot()
            if fleet.queued == 0 and fleet.in_flight == 0:
                return
            await asyncio.sleep(0.5)
        self.results[-1].notes.append(f"{fleet.queued + fleet.in_flight} messages still unanswered after "
                                      f"{DRAIN_SECONDS:g} s")

    def _progress(self, phase: str, elapsed: float, fleet: Snapshot) -> None:
        last, self._last = self._last, fleet
        rate = latency = ""
        if last is not None and fleet.at > last.at:
            diff = window(last, fleet)
            rate = f" | {diff.answered / (fleet.at - last.at):6.0f} msgs/s"
            histogram = diff.histogram()
            p50, p99 = histogram.percentile(50), histogram.percentile(99)
            if p50 is not None and p99 is not None:
                latency = f" | rtt p50 {p50 * 1000:6.1f} ms p99 {p99 * 1000:7.1f} ms"
        rss = processes.rss_bytes(self.server.pid) / 2**20
        say(f"[{self._label}] {phase:7} {elapsed:4.0f} s | ready {fleet.ready}/{self.settings.chargers}"
            f" | sessions {fleet.acked.get('StartTransaction', 0)}{rate}{latency}"
            f" | CALLERRORs {fleet.call_errors_received} timeouts {fleet.timeouts}"
            f" | not sent {fleet.paced_skipped} | RSS {rss:.0f} MiB")
