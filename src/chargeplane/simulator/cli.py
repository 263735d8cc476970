"""`chargeplane simulate`: a fleet of simulated OCPP 1.6J chargers against a running central system."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from chargeplane.simulator.fleet import Fleet, fleet_identities
from chargeplane.simulator.registration import RegistrationFailed, api_url_from_ocpp_url, register

MAX_ID_TAG_LENGTH = 20  # OCPP 1.6 idTag: CiString20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True,
                        help="the OCPP endpoint without the identity, e.g. ws://127.0.0.1:8180/ocpp")
    parser.add_argument("--chargers", type=int, default=1, help="how many chargers (default 1)")
    parser.add_argument("--identity-prefix", default="SIM", help="chargers are PREFIX-1..N (default SIM)")
    parser.add_argument("--password", required=True, help="every charger's Basic auth password")
    parser.add_argument("--id-tag", default="SIMTAG", help="the card the chargers charge with (default SIMTAG)")
    parser.add_argument("--id-tag-per-charger", action="store_true",
                        help="charger n uses TAG-n: servers refuse one card on two chargers at once (ConcurrentTx)")
    parser.add_argument("--connectors", type=int, default=1,
                        help="connectors per charger (default 1; the charging loop uses connector 1)")
    parser.add_argument("--meter-interval", type=float, default=60.0, help="seconds between MeterValues")
    parser.add_argument("--charge-seconds", type=float, default=600.0, help="length of each session")
    parser.add_argument("--idle-seconds", type=float, default=120.0, help="rest between sessions")
    parser.add_argument("--no-charging", action="store_true", help="only connect, boot and send heartbeats")
    parser.add_argument("--no-smart-charging", action="store_true",
                        help="chargers without OCPP smart charging (SetChargingProfile answers NotSupported)")
    parser.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    parser.add_argument("--spread", type=float, default=None,
                        help="seconds over which the chargers connect (default: 10 ms per charger, at most 30 s)")
    parser.add_argument("--backoff-cap", type=float, default=60.0, help="longest reconnect delay in seconds")
    parser.add_argument("--status-interval", type=float, default=5.0, help="seconds between status lines")
    parser.add_argument("--api-url", default=None, help="the REST API (default: from --url, e.g. http://host:port)")
    parser.add_argument("--api-key", default=None,
                        help="a tenant API key: register the chargers and the id tag(s) first (existing ones are kept)")


def run_simulator(args: argparse.Namespace) -> None:
    problem = _check(args)
    if problem:
        raise SystemExit(f"chargeplane simulate: {problem}")
    with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C while stopping: leave at once
        asyncio.run(_simulate(args))


def _check(args: argparse.Namespace) -> str | None:
    if args.chargers < 1 or args.connectors < 1:
        return "--chargers and --connectors must be at least 1"
    if not args.url.startswith(("ws://", "wss://")):
        return "--url must start with ws:// or wss://"
    longest = f"{args.id_tag}-{args.chargers}" if args.id_tag_per_charger else args.id_tag
    if not 1 <= len(longest) <= MAX_ID_TAG_LENGTH:
        return f"id tags must be 1 to {MAX_ID_TAG_LENGTH} characters ({longest!r} is not)"
    return None


def _print(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def _simulate(args: argparse.Namespace) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    try:
        await _simulate_until(args, stopping)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _simulate_until(args: argparse.Namespace, stopping: asyncio.Event) -> None:
    identities = fleet_identities(args.identity_prefix, args.chargers)
    id_tags = ([f"{args.id_tag}-{n}" for n in range(1, args.chargers + 1)] if args.id_tag_per_charger
               else [args.id_tag])
    if args.api_key:
        api_url = args.api_url or api_url_from_ocpp_url(args.url)
        registering = asyncio.create_task(register(api_url, args.api_key, identities=identities,
                                                   password=args.password, id_tags=id_tags))
        interrupted = asyncio.create_task(stopping.wait())
        await asyncio.wait({registering, interrupted}, return_when=asyncio.FIRST_COMPLETED)
        interrupted.cancel()
        if not registering.done():
            registering.cancel()
            _print("stopped before the chargers were registered")
            return
        try:
            done = registering.result()
        except RegistrationFailed as exc:
            raise SystemExit(f"chargeplane simulate: registration failed: {exc}") from None
        _print(f"registered at {api_url}: {done.created} created, {done.existing} already there "
               "(existing chargers keep their password)")
    fleet = Fleet.build(
        url=args.url, count=args.chargers, identity_prefix=args.identity_prefix, password=args.password,
        id_tags=id_tags, connectors=args.connectors, meter_interval=args.meter_interval,
        charge_seconds=args.charge_seconds, idle_seconds=args.idle_seconds, auto_charge=not args.no_charging,
        backoff_cap=args.backoff_cap, smart_charging=not args.no_smart_charging,
    )
    if args.chargers > 1 and not args.id_tag_per_charger and not args.no_charging:
        _print(f"note: all chargers use id tag {args.id_tag}; a server may allow it one session at a time "
               "(--id-tag-per-charger gives each its own)")
    _print(f"simulating {args.chargers} charger(s) {identities[0]}..{identities[-1]} against {args.url}; "
           "Ctrl-C stops")
    spread = args.spread if args.spread is not None else min(30.0, 0.01 * args.chargers)
    starting = asyncio.create_task(fleet.start(spread_seconds=spread))
    reporting = asyncio.create_task(fleet.report(_print, args.status_interval))
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), args.duration)
    finally:
        starting.cancel()
        reporting.cancel()
        _print("stopping: ending sessions and closing connections...")
        await fleet.stop()
        _print(_summary(fleet))


def _summary(fleet: Fleet) -> str:
    total = fleet.stats
    p50, p99 = total.round_trips.percentile(50), total.round_trips.percentile(99)
    latency = f", round trip p50 {p50 * 1000:.1f} ms p99 {p99 * 1000:.1f} ms" if p50 and p99 else ""
    return (f"done: {total.calls_sent} CALLs sent, {total.answers_received} answered, "
            f"{total.call_errors_received} CALLERRORs, {total.timeouts} timeouts, "
            f"{total.sessions_completed} sessions completed{latency}")
