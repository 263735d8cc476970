"""`chargeplane serve --demo`: the real app with a demo tenant and simulated chargers charging in a loop.

Everything is made through the domain services, as an operator's actions would make it, and is
reused on the next start: the tenant `demo`, its account "Demo Housing Cooperative" with its
visitors' and members' tariffs, its site,
chargers DEMO-1..N (DEMO-1 public), cards DEMO-TAG-1..N, an operator (tenant admin) and a driver
holding DEMO-TAG-1. Secrets are new on every start (an API key, the two people's passwords, and the
chargers' passwords, which exist only in this process).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import uvicorn
from sqlalchemy import select

from chargeplane.app import Chargeplane
from chargeplane.config import Settings
from chargeplane.db import Database, Scope, UnitOfWork
from chargeplane.domain.assets import service as assets
from chargeplane.domain.assets.credentials import PasswordHashing, generate_password
from chargeplane.domain.errors import DomainError
from chargeplane.domain.identity import signup
from chargeplane.domain.identity.logins import memberships_of
from chargeplane.domain.identity.memberships import add_membership
from chargeplane.domain.identity.passwords import find_user_by_email
from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.pricing import service as pricing
from chargeplane.domain.tenancy import accounts
from chargeplane.domain.tenancy import service as tenancy
from chargeplane.domain.tenancy.models import Account
from chargeplane.domain.tokens import service as tokens
from chargeplane.server import tune_gc, uvicorn_config
from chargeplane.simulator import ChargerOptions, Fleet, SimulatedCharger

DEMO_SLUG = "demo"
DEMO_SITE = "Demo site"
DEMO_ACCOUNT = "Demo Housing Cooperative"
DEMO_ADMIN = "admin@demo.chargeplane.test"
DEMO_DRIVER = "driver@demo.chargeplane.test"
# The demo's own placeholders: sign-up and invitations are refused until a tenant has these links.
DEMO_TERMS = "https://chargeplane.dev/demo/terms"
DEMO_LANGUAGES = ("en", "et", "lt", "nb", "sv")
DEMO_PRIVACY = "https://chargeplane.dev/demo/privacy"
STOP_TIMEOUT = 5.0  # seconds the chargers get to end their sessions on Ctrl-C


@dataclass(frozen=True, slots=True)
class DemoTiming:
    """Short sessions, so that there is something to see within a minute."""

    charge_seconds: float = 60.0
    meter_interval: float = 10.0
    idle_seconds: float = 20.0


@dataclass(frozen=True, slots=True)
class DemoSetup:
    tenant_id: uuid.UUID
    api_key: str
    charge_point_ids: dict[str, uuid.UUID]  # identity -> id
    passwords: dict[str, str]               # identity -> password (this run's)
    id_tags: dict[str, str]                 # identity -> the card it charges with
    logins: dict[str, str]                  # email -> password (this run's): the operator, the driver


def serve_demo(settings: Settings, *, host: str, port: int, chargers: int = 3,
               timing: DemoTiming | None = None) -> None:
    if chargers < 1:
        raise SystemExit("chargeplane demo: it needs at least one charger")
    tune_gc()
    try:
        asyncio.run(_serve_demo(settings, host=host, port=port, chargers=chargers, timing=timing or DemoTiming()))
    except DomainError as exc:
        raise SystemExit(f"chargeplane demo: {exc.message}") from None


async def prepare_demo(db: Database, hashing: PasswordHashing, *, chargers: int) -> DemoSetup:
    """Make sure the demo tenant, site, chargers and cards exist; new API key and passwords every time."""
    identities = [f"DEMO-{n}" for n in range(1, chargers + 1)]
    passwords = {identity: generate_password() for identity in identities}
    # Argon2 is slow on purpose: off the event loop, and outside any unit of work.
    hashes = dict(zip(identities, await asyncio.gather(
        *(asyncio.to_thread(hashing.hash, passwords[i]) for i in identities)), strict=True))
    id_tags = {identity: f"DEMO-TAG-{n}" for n, identity in enumerate(identities, start=1)}

    def tenant_unit(uow: UnitOfWork) -> tuple[uuid.UUID, str]:
        tenant = tenancy.get_tenant_by_slug(uow, DEMO_SLUG) or tenancy.create_tenant(
            uow, name="Demo", slug=DEMO_SLUG)
        issued = tenancy.issue_api_key(uow, tenant_id=tenant.id,
                                       name=f"demo {datetime.now(UTC):%Y-%m-%d %H:%M:%S}")
        return tenant.id, issued.secret

    tenant_id, api_key = await db.write(Scope.installation("demo set-up"), tenant_unit)

    def assets_unit(uow: UnitOfWork) -> dict[str, uuid.UUID]:
        site = next((s for s in assets.list_sites(uow) if s.name == DEMO_SITE), None) or assets.create_site(
            uow, name=DEMO_SITE, address="1 Demo Street", latitude=52.37, longitude=4.89)
        ids: dict[str, uuid.UUID] = {}
        for n, identity in enumerate(identities, start=1):
            found = assets.list_charge_points(uow, where=assets.ChargePointFilter(identity=identity), limit=1)
            if found:
                cp = assets.update_charge_point(uow, found[0].id, changes={
                    "password_hash": hashes[identity], "site_id": site.id, "registration_status": "accepted"})
            else:
                cp = assets.register_charge_point(uow, identity=identity, password_hash=hashes[identity],
                                                  name=f"Demo charger {n}", site_id=site.id)
            ids[identity] = cp.id
        for uid in id_tags.values():
            token = tokens.find_id_token(uow, uid)
            if token is None:
                tokens.create_id_token(uow, uid=uid)
            elif token.status != "accepted" or token.expires_at is not None:
                tokens.update_id_token(uow, token.id, changes={"status": "accepted", "expires_at": None})
        return ids

    ids = await db.write(Scope.tenant(tenant_id), assets_unit)
    logins = await _prepare_people(db, hashing, tenant_id, ids, driver_card=id_tags[identities[0]])
    return DemoSetup(tenant_id, api_key, ids, passwords, id_tags, logins)


async def _prepare_people(db: Database, hashing: PasswordHashing, tenant_id: uuid.UUID,
                          charge_points: dict[str, uuid.UUID], *, driver_card: str) -> dict[str, str]:
    """The tenant's terms links, a cooperative owning the chargers, an operator and a driver."""
    logins = {DEMO_ADMIN: generate_password(), DEMO_DRIVER: generate_password()}
    hashes = dict(zip(logins, await asyncio.gather(
        *(asyncio.to_thread(hashing.hash, password) for password in logins.values())), strict=True))
    now = datetime.now(UTC)

    def unit(uow: UnitOfWork) -> None:
        tenant = tenancy.get_tenant(uow)
        if not tenant.terms_url or not tenant.privacy_url:
            tenant.terms_url, tenant.privacy_url, tenant.terms_version = DEMO_TERMS, DEMO_PRIVACY, 1
        tenant.languages = list(DEMO_LANGUAGES)  # the portal's switcher offers all five
        account = uow.session.scalar(select(Account).where(Account.name == DEMO_ACCOUNT)) or \
            accounts.create_account(uow, name=DEMO_ACCOUNT, kind="standard")
        for n, charge_point_id in enumerate(charge_points.values()):
            assets.update_charge_point(uow, charge_point_id, changes={"account_id": account.id, "public": n == 0})
        people = {DEMO_ADMIN: (Role.TENANT_ADMIN, None), DEMO_DRIVER: (Role.DRIVER, account.id)}
        for email, (role, account_id) in people.items():
            user = find_user_by_email(uow, email) or signup.create_user(
                uow, email=email, mobile=None, name=email.split("@")[0].title(), password=None, language="en",
                time_zone=None, hashing=hashing, now=now, status="active", email_verified=True)
            user.password_hash, user.status = hashes[email], "active"
            if not any(r == role and a == account_id for r, a in memberships_of(uow, user.id)):
                add_membership(uow, user_id=user.id, role=role, account_id=account_id, granted_by=None, now=now)
            if role is Role.DRIVER:
                card = tokens.find_id_token(uow, driver_card)
                if card is not None and card.user_id != user.id:
                    card.user_id, card.account_id = user.id, account.id
        _prepare_tariffs(uow, account.id, now)
        uow.session.flush()

    await db.write(Scope.tenant(tenant_id), unit)
    return logins


# What the cooperative charges: visitors a start fee, a day and a night energy price and an idle fee;
# its members (private charging) energy only.
DEMO_TARIFFS: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "Visitors": ("public", [
        {"price_components": [{"type": "FLAT", "price": "0.50", "vat": 22, "step_size": 1}]},
        {"price_components": [{"type": "ENERGY", "price": "0.25", "vat": 22, "step_size": 1}],
         "restrictions": {"start_time": "22:00", "end_time": "07:00"}},
        {"price_components": [{"type": "ENERGY", "price": "0.35", "vat": 22, "step_size": 1},
                              {"type": "PARKING_TIME", "price": "6.00", "vat": 22, "step_size": 300}]},
    ]),
    "Members": ("private", [
        {"price_components": [{"type": "ENERGY", "price": "0.20", "vat": 22, "step_size": 1}]},
    ]),
}


def _prepare_tariffs(uow: UnitOfWork, account_id: uuid.UUID, now: datetime) -> None:
    existing = {t.name for t in pricing.list_tariffs(uow, account_id=account_id, limit=100)}
    for name, (audience, elements) in DEMO_TARIFFS.items():
        if name not in existing:
            pricing.create_tariff(uow, fields={"name": name, "currency": "EUR", "elements": elements,
                                              "audience": audience, "account_id": account_id},
                                  actor=None, now=now)


class _DemoServer(uvicorn.Server):
    """Signals are the demo's to handle: the chargers stop first, then the server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _reachable_host(host: str) -> str:
    """The address the chargers (and the banner's reader) use to reach a server bound to `host`."""
    if host in ("", "0.0.0.0"):  # noqa: S104 - recognising the wildcard, not binding to it
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def banner(*, http_url: str, ws_url: str, setup: DemoSetup) -> str:
    first = next(iter(setup.charge_point_ids))
    auth = f'-H "Authorization: Bearer {setup.api_key}"'
    identities = list(setup.charge_point_ids)
    return "\n".join([
        "",
        "=" * 78,
        " chargeplane demo",
        "",
        f"  Portal      {http_url}/t/{DEMO_SLUG}/login   (operators land in /portal, drivers in /app)",
        f"  API docs    {http_url}/api/v1/docs",
        f"  OCPP        {ws_url}/{{identity}}   (subprotocol ocpp1.6, HTTP Basic auth)",
        f"  API key     {setup.api_key}",
        "",
        *(f"  Log in      {email} / {password}   ({'operator' if email == DEMO_ADMIN else 'driver'}, tenant "
          f"'{DEMO_SLUG}')" for email, password in setup.logins.items()),
        "",
        f"  Tenant '{DEMO_SLUG}': chargers {identities[0]}..{identities[-1]} are simulated in this process and",
        "  charge in a loop. The API key and all passwords are new on every start. Mail is not sent:",
        "  it is held in the outbox (GET /api/v1/outbox) and printed in the log.",
        "",
        "  Try:",
        f"    curl -s {auth} {http_url}/api/v1/sessions",
        f"    curl -s -X POST {auth} -H 'Content-Type: application/json' -d '{{\"key\": [\"HeartbeatInterval\"]}}' "
        f"{http_url}/api/v1/charge-points/{setup.charge_point_ids[first]}/commands/get-configuration",
        f"    curl -s -X POST -H 'Content-Type: application/json' -d '{{\"tenant\": \"{DEMO_SLUG}\", "
        f"\"email\": \"{DEMO_DRIVER}\", \"password\": \"{setup.logins[DEMO_DRIVER]}\", \"kind\": \"bearer\"}}' "
        f"{http_url}/api/v1/auth/login",
        "",
        "  Ctrl-C stops.",
        "=" * 78,
        "",
    ])


async def _serve_demo(settings: Settings, *, host: str, port: int, chargers: int, timing: DemoTiming) -> None:
    app = Chargeplane(settings)
    server = _DemoServer(uvicorn_config(app, settings, host=host, port=port))
    serving = asyncio.create_task(server.serve(), name="uvicorn")
    while not server.started:
        if serving.done():
            await serving  # start-up failed: its error, as uvicorn reported it
            return
        await asyncio.sleep(0.05)

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        if stopping.is_set():  # a second Ctrl-C: no more waiting for anyone
            server.force_exit = True
        stopping.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)

    bound_port = _bound_port(server) or port
    reachable = _reachable_host(host)
    http_url, ws_url = f"http://{reachable}:{bound_port}", f"ws://{reachable}:{bound_port}/ocpp"
    fleet: Fleet | None = None
    try:
        setup = await prepare_demo(app.db, app.hashing, chargers=chargers)
        sys.stdout.write(banner(http_url=http_url, ws_url=ws_url, setup=setup) + "\n")
        sys.stdout.flush()
        fleet = Fleet([SimulatedCharger(ChargerOptions(
            url=ws_url, identity=identity, password=setup.passwords[identity], id_tag=setup.id_tags[identity],
            model="Demo", auto_charge=True, charge_seconds=timing.charge_seconds,
            meter_interval=timing.meter_interval, idle_seconds=timing.idle_seconds, backoff_cap=10.0,
        )) for identity in setup.charge_point_ids])
        await fleet.start()
        waiting = asyncio.create_task(stopping.wait())
        await asyncio.wait({waiting, serving}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
    finally:
        sys.stdout.write("stopping the demo...\n")
        sys.stdout.flush()
        if fleet is not None:
            await fleet.stop(timeout=STOP_TIMEOUT)
        server.should_exit = True
        await serving
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def _bound_port(server: uvicorn.Server) -> int | None:
    """The port actually bound (it differs from the one asked for when that was 0)."""
    for listener in getattr(server, "servers", []):
        for sock in listener.sockets:
            port: Any = sock.getsockname()[1]
            return int(port)
    return None

