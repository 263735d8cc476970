"""OCPP load benchmark: N simulated chargers against `chargeplane serve`, then against a bare server.

For each backend (a fresh SQLite file, a fresh PostgreSQL database) it starts the server on a free
port, creates a tenant, registers the chargers and their cards over the REST API, and drives the
project's simulator from several worker processes:

  ramp      every charger connects, boots, reports its status and starts a charging session
  then, for each rate:
  warm-up   the sustained rate (MeterValues of the running sessions, heartbeats, status reports)
  measure   the same, measured: rate, round trips, CPU, memory, rows stored, GC pauses
  and after the last rate:
  full GC   the server runs one full collection: what a gen-2 pause costs at this heap size
  crash     the server is SIGKILLed under load; every acknowledged message must be in the database

Then the same against bench/bare_server.py (no validation, no storage), the reference.

    .venv/bin/python bench/ocpp_load.py                 # 10,000 chargers, 5,000 msgs/s, both backends
    .venv/bin/python bench/ocpp_load.py --quick         # a smoke run: 500 chargers, 1,000 msgs/s, 30 s
    .venv/bin/python bench/ocpp_load.py --rate 1000,2000,5000 --markdown   # a sweep, one ramp per server
    .venv/bin/python bench/ocpp_load.py --backends sqlite --no-bare --chargers 3000 --rate 4000 --profile /tmp/p

CHARGEPLANE_* variables in the environment reach the server (e.g. CHARGEPLANE_GROUP_COMMIT_MAX_BATCH).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime
import os
import platform
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson
from loadbench import processes
from loadbench.databases import BenchDatabase, PostgresDatabase, SqliteDatabase
from loadbench.pacer import KINDS
from loadbench.phases import Run, say
from loadbench.plan import PASSWORD, LoadSettings
from loadbench.registration import create_tenant, register
from loadbench.report import table
from loadbench.results import Durability, RunResult
from loadbench.servers import BareServer, ChargeplaneServer

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MIX = "MeterValues=85,Heartbeat=10,StatusNotification=5"
# Argon2 at the production setting costs ~50 ms of CPU per hash and again per first login: measured,
# ~12 ms of wall-clock time per charger in registration and again in the ramp, ~4 minutes for 10,000
# chargers. The benchmark is about the message path, so registration uses the cheapest parameters
# unless --production-hashing.
CHEAP_HASHING = {"CHARGEPLANE_PASSWORD_HASH_TIME_COST": "1", "CHARGEPLANE_PASSWORD_HASH_MEMORY_KIB": "8"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres",
                        help="comma-separated: sqlite, postgres; 'none' runs only the bare server")
    parser.add_argument("--chargers", type=int, default=None, help="simulated chargers (default 10000)")
    parser.add_argument("--rate", default=None,
                        help="sustained OCPP messages/s over the whole fleet; a comma-separated list measures "
                             "each rate in turn on the same connected fleet (default 5000)")
    parser.add_argument("--duration", type=float, default=None, help="seconds measured (default 60)")
    parser.add_argument("--warmup", type=float, default=None, help="seconds at the rate before measuring (default 30)")
    parser.add_argument("--workers", type=int, default=3, help="load-generating processes (default 3)")
    parser.add_argument("--connect-rate", type=float, default=None,
                        help="new connections per second during the ramp, at most (default 1000)")
    parser.add_argument("--connect-window", type=int, default=200,
                        help="chargers at a time between connecting and a running session (default 200): "
                             "the ramp goes as fast as the server admits them")
    parser.add_argument("--ramp-timeout", type=float, default=600.0,
                        help="give up waiting for every charger after this many seconds (default 600)")
    parser.add_argument("--mix", default=DEFAULT_MIX, help=f"message shares (default {DEFAULT_MIX})")
    parser.add_argument("--measurands", default=None,
                        help="MeterValuesSampledData, comma-separated (default: the simulator's 5 measurands, "
                             "9 sampled values with 3 phases)")
    parser.add_argument("--call-timeout", type=float, default=30.0, help="seconds a charger waits for an answer")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 500 chargers, 1000 msgs/s, 30 s (explicit flags still win)")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare reference server")
    parser.add_argument("--no-crash-check", action="store_true",
                        help="stop the server gracefully instead of SIGKILLing it before counting rows")
    parser.add_argument("--production-hashing", action="store_true",
                        help="keep the server's Argon2 parameters for charger passwords (slow set-up and ramp)")
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR",
                        help="sample the server with py-spy during the window; raw stacks go to DIR")
    parser.add_argument("--pg-dsn", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="where to create (and drop) the PostgreSQL database")
    parser.add_argument("--keep", action="store_true", help="keep the databases (SQLite file, PostgreSQL database)")
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown as well")
    parser.add_argument("--status-every", type=float, default=5.0, help="seconds between progress lines")
    args = parser.parse_args(argv)
    quick = {"chargers": 500, "rate": "1000", "duration": 30.0, "warmup": 5.0, "connect_rate": 1000.0}
    # 30 s of warm-up: right after the ramp, every charger's first message past a minute also writes
    # its last-seen time, a wave the server takes 15-20 s to absorb at 10,000 chargers.
    full = {"chargers": 10_000, "rate": "5000", "duration": 60.0, "warmup": 30.0, "connect_rate": 1000.0}
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def settings_from(args: argparse.Namespace) -> LoadSettings:
    mix: dict[str, float] = {}
    for part in args.mix.split(","):
        kind, _, share = part.partition("=")
        if kind.strip() not in KINDS:
            raise SystemExit(f"--mix: {kind!r} is not one of {', '.join(KINDS)}")
        mix[kind.strip()] = float(share)
    extra = {"measurands": args.measurands} if args.measurands else {}
    return LoadSettings(
        chargers=args.chargers, rates=[float(r) for r in str(args.rate).split(",") if r.strip()],
        duration=args.duration, warmup=args.warmup, workers=args.workers, connect_rate=args.connect_rate,
        connect_window=args.connect_window, ramp_timeout=args.ramp_timeout, mix=mix, call_timeout=args.call_timeout,
        crash_check=not args.no_crash_check, profile_dir=args.profile, status_every=args.status_every, **extra,
    )


def heartbeat_interval() -> int:
    """What the chargeplane server will send in BootNotification; the bare server sends the same."""
    return int(os.environ.get("CHARGEPLANE_OCPP_HEARTBEAT_INTERVAL", "300"))


async def run_chargeplane(backend: str, settings: LoadSettings, args: argparse.Namespace,
                          run_dir: Path) -> list[RunResult]:
    database: BenchDatabase = (SqliteDatabase(run_dir, keep=args.keep) if backend == "sqlite"
                               else PostgresDatabase(args.pg_dsn, keep=args.keep))
    result = RunResult(label=f"chargeplane/{backend}", chargers=settings.chargers)
    env = {**os.environ, "CHARGEPLANE_DATABASE_URL": database.url}
    if not args.production_hashing:
        env.update(CHEAP_HASHING)
        result.notes.append("charger passwords hashed with Argon2 t=1, m=8 KiB (set-up only; see --production-hashing)")
    await database.create()
    try:
        api_key = await create_tenant(env, run_dir / f"create-tenant-{backend}.log")
        async with ChargeplaneServer(env=env, run_dir=run_dir, name=f"chargeplane-{backend}") as server:
            say(f"[{result.label}] server pid {server.pid} at {server.api_url}; registering {settings.chargers} "
                "chargers and their id tags over the REST API")
            registered = await register(server.api_url, api_key, identities=settings.identities,
                                        password=PASSWORD, id_tags=settings.id_tags)
            result.registration_seconds = registered.seconds
            say(f"[{result.label}] registered in {registered.seconds:.1f} s "
                f"({registered.requests / registered.seconds:.0f} requests/s)")
            run = Run(server, settings, result, run_dir, database)
            final = await run.drive()
            crashed = server.process is not None and server.process.returncode is not None
        # The server is gone (killed under load, or stopped): what did it keep? Counted once, at the end.
        stored = await database.durable_rows()
        run.results[-1].durability = Durability(
            crashed=crashed and settings.crash_check,
            acked_meter_values=final.acked.get("MeterValues", 0), logged_meter_values=stored.meter_values_messages,
            acked_readings=final.acked_readings, stored_readings=stored.readings,
            acked_samples=final.acked_samples, stored_samples=stored.samples,
            acked_starts=final.acked.get("StartTransaction", 0), stored_sessions=stored.sessions,
        )
    finally:
        await database.drop()
    return run.results


async def run_bare(settings: LoadSettings, run_dir: Path) -> list[RunResult]:
    result = RunResult(label="bare", chargers=settings.chargers)
    async with BareServer(env=dict(os.environ), run_dir=run_dir, name="bare",
                          heartbeat_interval=heartbeat_interval()) as server:
        say(f"[bare] server pid {server.pid} at {server.ocpp_url}")
        run = Run(server, settings, result, run_dir, None)
        await run.drive()
    return run.results


def describe_setup(args: argparse.Namespace, settings: LoadSettings) -> dict[str, object]:
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src"], capture_output=True,
                           text=True, check=False).stdout.strip()
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": commit + ("+uncommitted src changes" if dirty else ""),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in dataclasses.asdict(settings).items()},
        "backends": args.backends,
    }


async def background_load(seconds: float = 2.0) -> float:
    """Share of all cores busy before we start anything: others' work competes with the benchmark."""
    before = processes.MachineCpu.read()
    await asyncio.sleep(seconds)
    return processes.MachineCpu.read().busy_share_since(before)


async def main(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    processes.raise_open_files_limit()
    run_dir = Path(tempfile.mkdtemp(prefix="chargeplane-bench-"))
    setup = describe_setup(args, settings)
    setup["background_busy"] = background = await background_load()
    say(f"chargeplane OCPP load benchmark {setup['date']} commit {setup['commit']} on {setup['machine']}")
    say(f"before the run, {100 * background:.0f} % of the machine's CPU was busy with other work"
        + (": the figures will be lower than on a quiet machine" if background > 0.1 else ""))
    rates = ", ".join(f"{r:g}" for r in settings.rates)
    say(f"{settings.chargers} chargers, {rates} msgs/s ({args.mix}), {settings.warmup:g} s warm-up + "
        f"{settings.duration:g} s measured, {settings.workers} load workers; logs in {run_dir}")
    backends = [b.strip() for b in args.backends.split(",") if b.strip() and b.strip() != "none"]
    results: list[RunResult] = []
    for backend in backends:
        if backend not in ("sqlite", "postgres"):
            raise SystemExit(f"--backends: unknown backend {backend!r}")
        results += await run_chargeplane(backend, settings, args, run_dir)
    if not args.no_bare:
        results += await run_bare(settings, run_dir)
    say("")
    say(table(results))
    notes = dict.fromkeys((r.label, note) for r in results for note in r.notes)  # once each, in order
    for label, note in notes:
        say(f"note ({label}): {note}")
    if args.markdown:
        say("")
        say(table(results, markdown=True))
    ramps = dict.fromkeys((r.label, r.ramp_profile) for r in results if r.ramp_profile)
    for label, profile in ramps:
        say(f"\nprofile of {label} during the ramp:\n{profile}")
    for result in results:
        if result.profile:
            say(f"\nprofile of {result.column} during the window:\n{result.profile}")
    report = {**setup, "results": [dataclasses.asdict(r) for r in results]}
    (run_dir / "results.json").write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    say(f"\nresults.json and logs in {run_dir}")
    lost = sum(r.durability.lost for r in results if r.durability is not None)
    return 1 if lost else 0


def run() -> None:
    args = parse_args()

    async def guarded() -> int:
        # Ctrl-C and SIGTERM cancel the main task: every `async with` then stops its processes
        # (servers, workers, py-spy) and drops its database on the way out. Installed here rather than
        # left to asyncio, which leaves SIGINT alone when it was ignored at start (a background job).
        task = asyncio.current_task()
        assert task is not None
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, task.cancel)
        return await main(args)

    try:
        code = asyncio.run(guarded())
    except (KeyboardInterrupt, asyncio.CancelledError):
        say("interrupted; every process the benchmark started has been stopped")
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    run()
