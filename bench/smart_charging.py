"""Smart charging: recompute a site of 200 connectors while sessions start and stop; print recomputes/s
and the worst overshoot seen.

    .venv/bin/python bench/smart_charging.py                          # 5,000 events on SQLite
    .venv/bin/python bench/smart_charging.py --quick                  # 500 events
    .venv/bin/python bench/smart_charging.py --backends sqlite,postgres
    .venv/bin/python bench/smart_charging.py --limit 1000 --peak 600   # a roomier grid connection

A tenant, a site (400 A per phase, 3 phases, 250 A from 17:00 to 20:00 Europe/Tallinn) and 100
chargers of 2 connectors (6-32 A, some with a higher or lower priority) are made with the domain
services on a fresh database, and some cars are already charging. Then N seeded random events, each
some 20 s after the last, from Monday 16:00 local time on: a session
starts or stops on a random connector, a session reports drawing less, a charger goes offline or comes
back, a charger starts or stops refusing profiles (all of them, or TxProfiles only). After each event
`planning.plan_site` runs in a unit of work and its profiles are delivered as the load balancing job
delivers them: the lowering ones, then (unless a charger refused one) the raising ones, each answer
kept with `planning.record_answer`; after a refusal the site is planned again, up to the job's limit.

Overshoot is measured on a model of what each charger may physically draw: nothing without a session,
else min(its accepted ChargePointMaxProfile, the sum of its sessions' accepted TxProfiles (a session
without one: the charger's maximum), its maximum). "As accepted" is what OCPP 1.6 says a charger does
(a refused or unsent profile leaves the last accepted one in force, offline too); "every connector"
is the same with a car arriving at every free connector now; "refusers at max" has a charger draw its
maximum from its first refusal until it accepts a profile again. The site's possible draw is compared
with the limit in force after the event (before the recompute), after each delivered profile (the
lowering ones in a random order, as they arrive concurrently), and at the end. docs/performance.md
has the figures and what they say.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import tempfile
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from loadbench.databases import BenchDatabase, PostgresDatabase, SqliteDatabase
from smartbench.chargers import CONNECTORS, MODELS, Charger, Running
from smartbench.figures import Figures, Recorder, report, time_pure

from chargeplane.db import Database, Scope, UnitOfWork
from chargeplane.db.migrate import upgrade
from chargeplane.domain.assets.service import create_site, register_charge_point
from chargeplane.domain.sessions.service import start_session, stop_session
from chargeplane.domain.smartcharging import planning
from chargeplane.domain.smartcharging.planning import Measurement, ProfileSend, SitePlan
from chargeplane.domain.smartcharging.schedule import limit_at, to_deciamps
from chargeplane.domain.smartcharging.schemas import ChargerSettingsSet, LimitPeriod, SiteLimitSet
from chargeplane.domain.smartcharging.settings import set_charger_settings, set_site_limit
from chargeplane.domain.tenancy.service import create_tenant
from chargeplane.domain.tokens.service import create_id_token
from chargeplane.jobs.smart_charging import MAX_REPLANS

ZONE, PEAK_START, PEAK_END = "Europe/Tallinn", "17:00", "20:00"
START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # a Monday, 16:00 in Tallinn: the first peak an hour in
CARS_DA = (320, 320, 160, 160, 100)  # what the cars can take, per phase
# Event shares: session events pick a random connector of an online charger (free: a start, busy: a stop).
BUSY_DAY, BUSY_NIGHT = 0.5, 0.15  # connectors taken, about: 600 A of minimums by day, 180 A in the evening
EVENTS = {"session": 60, "measure": 30, "offline": 4, "online": 4, "refusal": 2}
REFUSERS = 4  # chargers refusing profiles at a time, about


class Site:
    def __init__(self, db: Database, rng: random.Random, chargers: int, limit_a: Decimal, peak_a: Decimal) -> None:
        self.db, self.rng, self.count = db, rng, chargers
        self.limit_a, self.schedule = limit_a, [LimitPeriod(start=PEAK_START, end=PEAK_END, limit=peak_a)]
        self.now = START
        self.scope: Scope
        self.site_id: uuid.UUID
        self.chargers: list[Charger] = []
        self.by_id: dict[uuid.UUID, Charger] = {}
        self.free_tokens: list[str] = []
        self.tokens: dict[uuid.UUID, str] = {}  # session → its card
        self.shares: set[uuid.UUID] = set()  # sessions with a share after a completed delivery
        self.measured: dict[uuid.UUID, Measurement] = {}
        self.figures = Figures()
        self.event = "set-up"
        self.last_limit_da = 0
        self.last_overshoot_da = 0  # what the last plan itself declared

    # -- set-up ------------------------------------------------------------------------------------

    async def build(self) -> None:
        tenant = await self.db.write(Scope.installation("bench: create tenant"), lambda uow: create_tenant(
            uow, name="Smart charging bench", slug=f"sc-bench-{uuid.uuid4().hex[:8]}").id)
        self.scope = Scope.tenant(tenant)
        self.site_id = await self.db.write(self.scope, self._make_site)
        ids = await self.db.write(self.scope, self._make_chargers)
        for i, charger_id in enumerate(ids):
            refuses = "all" if i % 50 == 7 else "tx" if i % 50 == 13 else ""  # REFUSERS of the 100
            self.chargers.append(Charger(charger_id, 320, refuses))
        self.by_id = {c.id: c for c in self.chargers}
        self.free_tokens = [f"SCB{n:05}" for n in range(self.count * CONNECTORS + 50)]
        await self.db.write(self.scope, lambda uow: [create_id_token(uow, uid=uid) for uid in self.free_tokens])
        self.rng.shuffle(self.free_tokens)
        self.last_limit_da = self.limit_da()

    def _make_site(self, uow: UnitOfWork) -> uuid.UUID:
        site = create_site(uow, name="Bench garage", time_zone=ZONE)
        set_site_limit(uow, site_id=site.id, body=SiteLimitSet(limit=self.limit_a, schedule=self.schedule),
                       actor=None, now=self.now)
        return site.id

    def _make_chargers(self, uow: UnitOfWork) -> list[uuid.UUID]:
        ids = []
        for i in range(self.count):
            cp = register_charge_point(uow, identity=f"SCB-{uuid.uuid4().hex[:12]}", password_hash="unused",
                                       site_id=self.site_id)
            priority = 1 if i % 10 == 0 else -1 if i % 10 == 5 else 0
            set_charger_settings(uow, charge_point_id=cp.id, actor=None, now=self.now, body=ChargerSettingsSet(
                min_current_a=Decimal(6), max_current_a=Decimal(32), priority=priority))
            ids.append(cp.id)
        return ids

    # -- the world ---------------------------------------------------------------------------------

    def limit_da(self) -> int:
        limit = limit_at(self.limit_a, [p.model_dump(mode="json") for p in self.schedule], ZONE, self.now)
        return to_deciamps(limit, "A", phases=3, voltage=230)

    def draw_da(self, model: str) -> int:
        return sum(c.possible_da(model) for c in self.chargers)

    def check(self, phase: str, ceiling: int, floor: Mapping[str, int] | None = None) -> None:
        """The site's possible draw against the limit with what the plan itself declares (`ceiling`),
        or against `floor[model]` where that is higher."""
        for model in MODELS:
            excess = self.draw_da(model) - max(ceiling, floor[model] if floor else 0)
            if excess > self.figures.excess.get((phase, model), 0):
                self.figures.excess[phase, model] = excess
                local = self.now.astimezone(ZoneInfo(ZONE))
                self.figures.where[phase, model] = f"{self.event}, {local:%a %H:%M:%S}"

    async def run(self, events: int) -> Figures:
        places = [(c, n) for c in self.chargers for n in range(1, CONNECTORS + 1)]
        for charger, connector in self.rng.sample(places, int(len(places) * BUSY_NIGHT)):  # the afternoon's cars
            await self._start(charger, connector)
        await self.balance()
        self.figures = Figures()  # the set-up's plan is not counted
        begun = time.perf_counter()
        for n in range(1, events + 1):
            if n % 1000 == 0:
                print(f"  {n} events in {time.perf_counter() - begun:.0f} s", flush=True)
            self.now += timedelta(seconds=self.rng.expovariate(1 / 20))
            kind = self.rng.choices(list(EVENTS), weights=list(EVENTS.values()))[0]
            self.event = await getattr(self, f"_{kind}")()
            self.figures.events[self.event] += 1
            limit = self.limit_da()
            if limit < self.last_limit_da:  # the schedule's period began: nothing can have followed yet
                for model in MODELS:
                    excess = self.draw_da(model) - limit
                    self.figures.schedule_excess[model] = max(excess, self.figures.schedule_excess.get(model, 0))
            else:
                self.check("between", limit + self.last_overshoot_da)
            self.last_limit_da = limit
            await self.balance()
        return self.figures

    async def _session(self) -> str:
        """About BUSY_DAY of the connectors busy in working hours, BUSY_NIGHT otherwise."""
        busy = BUSY_DAY if 7 <= self.now.astimezone(ZoneInfo(ZONE)).hour < 16 else BUSY_NIGHT
        charger = self.rng.choice([c for c in self.chargers if c.online])
        connector = self.rng.randint(1, CONNECTORS)
        running = charger.sessions.get(connector)
        if running is None and self.rng.random() < busy:
            await self._start(charger, connector)
            return "start"
        if running is not None and self.rng.random() < 1 - busy:
            await self._stop(charger, connector, running)
            return "stop"
        return await self._measure()

    async def _start(self, charger: Charger, connector: int) -> None:
        uid = self.free_tokens.pop()
        result = await self.db.write(self.scope, partial(
            start_session, charge_point_id=charger.id, connector_id=connector, id_tag=uid, meter_start_wh=0,
            started_at=self.now, received_at=self.now))
        self.tokens[result.session_id] = uid
        charger.sessions[connector] = Running(result.session_id, result.transaction_id,
                                              self.rng.choice(CARS_DA), self.now)

    async def _stop(self, charger: Charger, connector: int, running: Running) -> None:
        hours = (self.now - running.started_at).total_seconds() / 3600
        await self.db.write(self.scope, partial(
            stop_session, charge_point_id=charger.id, transaction_id=running.transaction_id,
            meter_stop_wh=int(hours * 7000), stopped_at=self.now, received_at=self.now))
        del charger.sessions[connector]
        self.free_tokens.insert(0, self.tokens.pop(running.session_id))
        self.shares.discard(running.session_id)
        self.measured.pop(running.session_id, None)

    async def _measure(self) -> str:
        """A car reports what it draws: what its TxProfile lets it, up to what it can take, a little less."""
        metered = [(c, s) for c in self.chargers if c.online
                   for s in c.sessions.values() if s.session_id in self.shares]
        if not metered:
            return "idle"
        charger, running = self.rng.choice(metered)
        allowed = min(charger.max_da if running.tx_da is None else running.tx_da, running.car_da)
        self.measured[running.session_id] = Measurement(max(0, allowed - self.rng.randint(0, 5)), self.now)
        return "measurement"

    async def _offline(self) -> str:
        online = [c for c in self.chargers if c.online]
        if len(online) <= len(self.chargers) * 0.9:  # a few at a time, not the whole site
            return await self._online()
        self.rng.choice(online).online = False
        return "offline"

    async def _online(self) -> str:
        offline = [c for c in self.chargers if not c.online]
        if not offline:
            return await self._offline()
        charger = self.rng.choice(offline)
        charger.online = True
        await self.db.write(self.scope, partial(planning.charger_connected, charge_point_id=charger.id))
        return "online"

    async def _refusal(self) -> str:
        """A charger comes back from a firmware update (profiles kept, sessions running) and now refuses
        profiles, or accepts them again; about REFUSERS of them refuse at a time."""
        refusers = [c for c in self.chargers if c.refuses and c.online]
        if len(refusers) >= REFUSERS:
            charger = self.rng.choice(refusers)
            charger.refuses = ""
        else:
            charger = self.rng.choice([c for c in self.chargers if not c.refuses and c.online])
            charger.refuses = self.rng.choice(["all", "tx"])
        await self.db.write(self.scope, partial(planning.charger_connected, charge_point_id=charger.id))
        return f"refuses {charger.refuses}" if charger.refuses else "accepts again"

    # -- recompute and deliver, as jobs/smart_charging.py does ---------------------------------------

    def _connected(self, charge_point_id: uuid.UUID) -> bool:
        return self.by_id[charge_point_id].online

    async def balance(self) -> None:
        for _ in range(MAX_REPLANS):
            begun, cpu = time.perf_counter(), time.process_time()
            site_plan: SitePlan | None = await self.db.write(self.scope, partial(
                planning.plan_site, site_id=self.site_id, now=self.now, connected=self._connected,
                measured=dict(self.measured)))
            self.figures.plan_seconds.append(time.perf_counter() - begun)
            self.figures.plan_cpu.append(time.process_time() - cpu)
            assert site_plan is not None
            plan = site_plan.plan
            self.figures.sends.append(len(site_plan.sends))
            self.figures.sessions.append(len(plan.allocations))
            self.figures.planned(plan)
            self.figures.plan_overshoot_da = max(self.figures.plan_overshoot_da, plan.overshoot_da)
            self.last_overshoot_da = plan.overshoot_da
            ceiling = plan.limit_da + plan.overshoot_da
            if not await self.deliver(site_plan.sends, ceiling):
                self.shares = set(plan.allocations)
                self.check("rest", ceiling)
                return
            self.figures.replans += 1
        self.figures.gave_up += 1
        self.check("rest", ceiling)

    async def deliver(self, sends: list[ProfileSend], ceiling_da: int) -> bool:
        """True when a charger refused a profile: the raising ones are then not sent.

        A profile must never take the site above its limit, or above what it already drew when the
        delivery began (a limit that just fell is reached only once the lowering profiles are in)."""
        before = {model: self.draw_da(model) for model in MODELS}
        for batch in ([s for s in sends if s.lowers], [s for s in sends if not s.lowers]):
            self.rng.shuffle(batch)  # sent concurrently: they arrive in any order
            answers = []
            for send in batch:
                charger = self.by_id[send.charge_point_id]
                answers.append(charger.answer(send))
                raised = charger.receive(send, answers[-1])
                if send.lowers and raised > 0:  # the planner's promise, whatever the headroom
                    self.figures.early_raises += 1
                    self.figures.early_raise_da = max(self.figures.early_raise_da, raised)
                self.check("delivery", ceiling_da, before)
            begun = time.perf_counter()
            refused = await asyncio.gather(*(self.db.write(self.scope, partial(
                planning.record_answer, send=send, status=status, detail=None, now=self.now))
                for send, status in zip(batch, answers, strict=True)))
            if batch:
                self.figures.answer_seconds.append(time.perf_counter() - begun)
            if any(refused):
                return True
        return False


# -- the run and its figures -------------------------------------------------------------------------


async def run_backend(backend: str, args: argparse.Namespace, run_dir: Path) -> None:
    # SIGTERM as Ctrl-C: the run is cancelled, so that its PostgreSQL database is dropped all the same.
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    database: BenchDatabase = (SqliteDatabase(run_dir) if backend == "sqlite" else PostgresDatabase(args.pg_dsn))
    await database.create()
    db = Database(database.url)
    try:
        await db.start()
        await upgrade(db)
        site = Site(db, random.Random(args.seed), args.chargers, args.limit, args.peak)
        await site.build()
        with Recorder().installed() as recorder:
            begun = time.perf_counter()
            figures = await site.run(args.events)
            wall = time.perf_counter() - begun
        report(backend, figures, time_pure(recorder.inputs, recorder.original), args.events, wall)
    finally:
        await db.close()
        await database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite", help="comma-separated: sqlite, postgres (default sqlite)")
    parser.add_argument("--events", type=int, default=None, help="events (default 5000; --quick 500)")
    parser.add_argument("--chargers", type=int, default=100, help=f"chargers of {CONNECTORS} connectors (default 100)")
    parser.add_argument("--limit", type=Decimal, default=Decimal(400), help="the site's limit, A per phase (400)")
    parser.add_argument("--peak", type=Decimal, default=Decimal(250),
                        help=f"its limit from {PEAK_START} to {PEAK_END} (250)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--quick", action="store_true", help="a short run: 500 events")
    parser.add_argument("--pg-dsn", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="where to create (and drop) the PostgreSQL database")
    args = parser.parse_args()
    if args.events is None:
        args.events = 500 if args.quick else 5000
    print(f"site: {args.chargers} chargers x {CONNECTORS} connectors (6-32 A; 10% priority 1, 10% priority -1), "
          f"limit {args.limit} A per phase, {args.peak} A {PEAK_START}-{PEAK_END} {ZONE}; seed {args.seed}")
    with tempfile.TemporaryDirectory(prefix="chargeplane-smart-") as run_dir:
        for backend in args.backends.split(","):
            try:
                asyncio.run(run_backend(backend.strip(), args, Path(run_dir)))
            except asyncio.CancelledError:
                raise SystemExit("stopped") from None


if __name__ == "__main__":
    main()
