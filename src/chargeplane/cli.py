"""`chargeplane serve | simulate | db | admin ...`. Every command brings the schema up to date first."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import orjson

from chargeplane.config import Settings, load_settings
from chargeplane.db import Database, Scope
from chargeplane.db.migrate import current_revision, downgrade, upgrade
from chargeplane.domain import registry as _models  # noqa: F401 - every table known to the mapper
from chargeplane.domain.tenancy import service as tenancy


def _run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


async def _with_db(settings: Settings, work: Callable[[Database], Coroutine[Any, Any, Any]], *,
                   migrate: bool = True) -> Any:
    db = Database(settings.database_url)
    await db.start()
    try:
        if migrate:
            await upgrade(db)
        return await work(db)
    finally:
        await db.close()


def _print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2 if sys.stdout.isatty() else 0).decode() + "\n")


def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    from chargeplane.server import serve

    _run(_with_db(settings, lambda db: asyncio.sleep(0)))
    if args.demo:
        from chargeplane.demo import DemoTiming, serve_demo

        timing = DemoTiming(args.demo_charge_seconds, args.demo_meter_interval, args.demo_idle_seconds)
        serve_demo(settings, host=args.host, port=args.port, chargers=args.demo_chargers, timing=timing)
    else:
        serve(settings, host=args.host, port=args.port)


def cmd_simulate(args: argparse.Namespace, settings: Settings) -> None:
    from chargeplane.simulator.cli import run_simulator

    run_simulator(args)


def cmd_db(args: argparse.Namespace, settings: Settings) -> None:
    async def work(db: Database) -> None:
        if args.db_command == "upgrade":
            await upgrade(db, args.revision)
        elif args.db_command == "downgrade":
            await downgrade(db, args.revision)
        _print_json({"revision": await current_revision(db)})

    _run(_with_db(settings, work, migrate=False))


def cmd_create_tenant(args: argparse.Namespace, settings: Settings) -> None:
    async def work(db: Database) -> dict[str, str]:
        def unit(uow: Any) -> dict[str, str]:
            tenant = tenancy.create_tenant(uow, name=args.name, slug=args.slug,
                                           allow_auto_registration=args.allow_auto_registration)
            issued = tenancy.issue_api_key(uow, tenant_id=tenant.id, name="created with the tenant")
            return {"tenant_id": str(tenant.id), "slug": tenant.slug, "api_key": issued.secret}

        return await db.write(Scope.installation("admin: create tenant"), unit)

    _print_json(_run(_with_db(settings, work)))


def cmd_create_api_key(args: argparse.Namespace, settings: Settings) -> None:
    tenant_id = uuid.UUID(args.tenant_id)

    async def work(db: Database) -> dict[str, str]:
        def unit(uow: Any) -> dict[str, str]:
            issued = tenancy.issue_api_key(uow, tenant_id=tenant_id, name=args.name)
            return {"tenant_id": str(tenant_id), "api_key": issued.secret}

        return await db.write(Scope.installation("admin: create API key"), unit)

    _print_json(_run(_with_db(settings, work)))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chargeplane", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API and the OCPP server")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--demo", action="store_true", help="with a demo tenant and simulated chargers")
    serve.add_argument("--demo-chargers", type=int, default=3)
    serve.add_argument("--demo-charge-seconds", type=float, default=60.0, help="how long a demo session lasts")
    serve.add_argument("--demo-meter-interval", type=float, default=10.0, help="seconds between meter values")
    serve.add_argument("--demo-idle-seconds", type=float, default=20.0, help="pause between demo sessions")
    serve.set_defaults(handler=cmd_serve)

    simulate = sub.add_parser("simulate", help="run simulated OCPP 1.6J chargers against a server")
    from chargeplane.simulator.cli import add_arguments

    add_arguments(simulate)
    simulate.set_defaults(handler=cmd_simulate)

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade")
    up.add_argument("revision", nargs="?", default="head")
    down = db_sub.add_parser("downgrade")
    down.add_argument("revision")
    db_sub.add_parser("current")
    db.set_defaults(handler=cmd_db)

    admin = sub.add_parser("admin", help="installation administration")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    tenant = admin_sub.add_parser("create-tenant", help="create a tenant; prints its id and an API key")
    tenant.add_argument("--name", required=True)
    tenant.add_argument("--slug", default=None)
    tenant.add_argument("--allow-auto-registration", action="store_true")
    tenant.set_defaults(handler=cmd_create_tenant)
    key = admin_sub.add_parser("create-api-key", help="issue another API key for a tenant")
    key.add_argument("--tenant-id", required=True)
    key.add_argument("--name", default="cli")
    key.set_defaults(handler=cmd_create_api_key)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    settings = load_settings()
    if getattr(args, "host", None) is None and hasattr(args, "host"):
        args.host = settings.host
    if getattr(args, "port", None) is None and hasattr(args, "port"):
        args.port = settings.port
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The CLI prints JSON on stdout; keep library chatter (Alembic's) on stderr and quiet.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args.handler(args, settings)
