"""The daily consumption summary over many sessions on PostgreSQL: bulk-load synthetic sessions and their
CDRs into a fresh database, then time the report as the API runs it; print both.

    nice -n 10 .venv/bin/python bench/reports.py [--sessions 10000000] \
        [--server postgresql+asyncpg://postgres@127.0.0.1:5432]

The database `chargeplane_bench_reports` is dropped and made again. Sessions are spread over 2025 (one
every ~3 s at 10 million) across 200 chargers on 20 sites of 10 accounts and 5,000 cards held by 2,500
drivers; each has a version-1 CDR at 0.30/kWh + 22 % VAT, one in a hundred corrected by a version 2.
The rows are generated inside PostgreSQL (INSERT ... SELECT over generate_series: a multi-row insert
with no round trip per row), then ANALYZE gives the planner its statistics, as autovacuum would.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import date

import asyncpg  # type: ignore[import-untyped]

from chargeplane.db import Database, Scope, UnitOfWork
from chargeplane.db.migrate import upgrade
from chargeplane.domain.assets.models import ChargePoint, Site
from chargeplane.domain.identity.models import User
from chargeplane.domain.reports.periods import DayRange, Period
from chargeplane.domain.reports.schemas import GroupBy
from chargeplane.domain.reports.usage import UsageQuery, get_usage
from chargeplane.domain.tenancy import service as tenancy
from chargeplane.domain.tenancy.models import Account, Tenant
from chargeplane.domain.tokens.models import IdToken

NAME = "chargeplane_bench_reports"
ZONE = "Europe/Oslo"
YEAR_SECONDS = 365 * 24 * 3600

SESSIONS = """
INSERT INTO charging_sessions (id, tenant_id, account_id, transaction_id, charge_point_id, charge_point_identity,
    connector_id, id_tag, id_token_id, meter_start_wh, started_at, meter_stop_wh, stopped_at, energy_wh, state,
    status, created_at, updated_at)
SELECT gen_random_uuid(), $1::uuid, cp.account_id, g, cp.id, cp.identity, 1 + g % 2, t.uid, t.id, 0, at,
    2000 + (g * 7919) % 40000, at + interval '90 minutes', 2000 + (g * 7919) % 40000, 'completed', 'normal', at, at
FROM generate_series($2::bigint, $3::bigint) AS g
CROSS JOIN LATERAL (SELECT timestamptz '2025-01-01 00:00+00' + (g * $4::double precision) * interval '1 second'
                    AS at) AS moment
JOIN bench_cps AS cp ON cp.n = g % 200
JOIN bench_tokens AS t ON t.n = (g * 31) % 5000
"""

CDRS = """
INSERT INTO charge_detail_records (id, tenant_id, account_id, session_id, version, created_at, currency, periods,
    lines, total_excl_vat, total_vat, total_incl_vat, total_energy_wh, total_time_s, total_parking_s, started_at,
    stopped_at, charge_point_identity, id_tag, signed_data)
SELECT gen_random_uuid(), s.tenant_id, s.account_id, s.id, 1, s.stopped_at, 'EUR', '[]', '[]',
    round(s.energy_wh * 0.0003, 2), round(s.energy_wh * 0.000066, 2), round(s.energy_wh * 0.000366, 2),
    s.energy_wh, 5400, 0, s.started_at, s.stopped_at, s.charge_point_identity, s.id_tag, '[]'
FROM charging_sessions AS s WHERE s.transaction_id BETWEEN $1 AND $2
"""

CORRECTIONS = """
INSERT INTO charge_detail_records (id, tenant_id, account_id, session_id, version, corrects_id, reason, created_at,
    currency, periods, lines, total_excl_vat, total_vat, total_incl_vat, total_energy_wh, total_time_s,
    total_parking_s, started_at, stopped_at, charge_point_identity, id_tag, signed_data)
SELECT gen_random_uuid(), c.tenant_id, c.account_id, c.session_id, 2, c.id, 'bench', c.created_at, 'EUR', '[]',
    '[]', 0, 0, 0, c.total_energy_wh, 5400, 0, c.started_at, c.stopped_at, c.charge_point_identity, c.id_tag, '[]'
FROM charge_detail_records AS c JOIN charging_sessions AS s ON s.id = c.session_id
WHERE s.transaction_id % 100 = 0
"""


async def fixtures(server: str) -> uuid.UUID:
    """The tenant, its accounts, sites, chargers, drivers and cards, through the ORM (its defaults)."""
    db = Database(f"{server}/{NAME}")
    await db.start()
    try:
        def make_tenant(uow: UnitOfWork) -> uuid.UUID:
            return tenancy.create_tenant(uow, name="Bench", slug="bench").id

        tenant = await db.write(Scope.installation("bench"), make_tenant)

        def populate(uow: UnitOfWork) -> None:
            s = uow.session
            s.get_one(Tenant, tenant).time_zone = ZONE
            accounts = [Account(name=f"Account {n}", kind="business") for n in range(10)]
            s.add_all(accounts)
            s.flush()
            sites = [Site(name=f"Site {n}", account_id=accounts[n // 2].id) for n in range(20)]
            s.add_all(sites)
            s.flush()
            s.add_all(ChargePoint(identity=f"BENCH-{n:04d}", password_hash="-", site_id=sites[n // 10].id,
                                  account_id=sites[n // 10].account_id) for n in range(200))
            users = [User(email=f"d{n}@bench.test", name=f"Driver {n}") for n in range(2500)]
            s.add_all(users)
            s.flush()
            s.add_all(IdToken(uid=f"B{n:07d}", uid_key=f"B{n:07d}", user_id=users[n // 2].id) for n in range(5000))

        await db.write(Scope.tenant(tenant), populate)
        return tenant
    finally:
        await db.close()


async def load(server: str, sessions: int) -> uuid.UUID:
    plain = server.replace("postgresql+asyncpg://", "postgresql://")
    admin = await asyncpg.connect(f"{plain}/postgres")
    await admin.execute(f'DROP DATABASE IF EXISTS "{NAME}"')
    await admin.execute(f'CREATE DATABASE "{NAME}"')
    await admin.close()
    db = Database(f"{server}/{NAME}")
    await db.start()
    await upgrade(db)
    await db.close()

    tenant = await fixtures(server)
    conn = await asyncpg.connect(f"{plain}/{NAME}")
    try:
        # Numbered copies of the chargers and cards, for the generated rows to pick from.
        await conn.execute("""CREATE UNLOGGED TABLE bench_cps AS SELECT (row_number() OVER (ORDER BY identity)) - 1
                              AS n, id, account_id, identity FROM charge_points""")
        await conn.execute("""CREATE UNLOGGED TABLE bench_tokens AS SELECT (row_number() OVER (ORDER BY uid)) - 1
                              AS n, id, uid FROM id_tokens""")
        step = YEAR_SECONDS / sessions
        batch = 1_000_000
        for first in range(1, sessions + 1, batch):
            last = min(first + batch - 1, sessions)
            await conn.execute(SESSIONS, tenant, first, last, step)
            await conn.execute(CDRS, first, last)
            print(f"  {last:,} sessions and CDRs", flush=True)
        await conn.execute(CORRECTIONS)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return tenant


async def measure(server: str, tenant: uuid.UUID) -> None:
    db = Database(f"{server}/{NAME}")
    await db.start()
    scope = Scope.tenant(tenant)
    cases = [
        ("daily summary per charger, one month (January)", DayRange(date(2025, 1, 1), date(2025, 1, 31), ZONE),
         GroupBy.CHARGE_POINT, Period.DAY),
        ("daily summary per charger, the whole year", DayRange(date(2025, 1, 1), date(2025, 12, 31), ZONE),
         GroupBy.CHARGE_POINT, Period.DAY),
        ("daily summary per account, the whole year", DayRange(date(2025, 1, 1), date(2025, 12, 31), ZONE),
         GroupBy.ACCOUNT, Period.DAY),
        ("monthly usage per site, the whole year", DayRange(date(2025, 1, 1), date(2025, 12, 31), ZONE),
         GroupBy.SITE, Period.MONTH),
    ]
    try:
        for label, days, group_by, period in cases:
            query = UsageQuery(days=days, group_by=group_by, period=period)

            def run(uow: UnitOfWork, query: UsageQuery = query) -> tuple[int, int]:
                report = get_usage(uow, query=query)
                return len(report.rows), report.totals.sessions

            timings = []
            for _ in range(2):  # the second run reads from a warm cache
                started = time.perf_counter()
                rows, counted = await db.read(scope, run)
                timings.append(time.perf_counter() - started)
            print(f"{label}: {rows:,} rows over {counted:,} sessions in {timings[0]:.2f} s (again: "
                  f"{timings[1]:.2f} s)", flush=True)
    finally:
        await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000_000)
    parser.add_argument("--server", default="postgresql+asyncpg://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    started = time.perf_counter()
    tenant = await load(args.server, args.sessions)
    print(f"loaded {args.sessions:,} sessions and CDRs in {time.perf_counter() - started:.1f} s", flush=True)
    await measure(args.server, tenant)


if __name__ == "__main__":
    asyncio.run(main())
