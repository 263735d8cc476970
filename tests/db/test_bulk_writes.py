"""Batched writes keep the tenancy gate: a batched update touches only the scope tenant's rows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from chargeplane.db import Database, Scope, UnitOfWork, utcnow
from chargeplane.db.tenancy import TenancyError
from chargeplane.domain.assets import charger_reports
from chargeplane.domain.assets.models import ChargePoint
from tests.db.test_tenancy_gate import add_charge_point, make_tenant


async def test_a_batched_update_reaches_only_the_scope_tenants_row(db: Database) -> None:
    a, b = await make_tenant(db), await make_tenant(db)
    cp = await add_charge_point(db, a)
    at = utcnow()
    # Tenant B names A's charger: the WHERE carries B's tenant, so nothing changes.
    await db.write(Scope.tenant(b), lambda uow: charger_reports.record_seen(uow, charge_point_id=cp, at=at))
    seen = await db.read(Scope.tenant(a), lambda uow: uow.session.scalar(
        select(ChargePoint.last_seen_at).where(ChargePoint.id == cp)))
    assert seen is None
    await db.write(Scope.tenant(a), lambda uow: charger_reports.record_seen(uow, charge_point_id=cp, at=at))
    seen = await db.read(Scope.tenant(a), lambda uow: uow.session.scalar(
        select(ChargePoint.last_seen_at).where(ChargePoint.id == cp)))
    assert seen == at


async def test_a_batched_row_naming_another_tenant_is_refused(db: Database) -> None:
    a, b = await make_tenant(db), await make_tenant(db)
    cp = await add_charge_point(db, a)

    def smuggle(uow: UnitOfWork) -> None:
        uow.update_later(ChargePoint.__table__,  # type: ignore[arg-type]
                         [{"id": cp, "tenant_id": a, "last_seen_at": utcnow()}], columns=("last_seen_at",))

    with pytest.raises(TenancyError):
        await db.write(Scope.tenant(b), smuggle)


async def test_many_units_share_one_statement_per_table(db: Database) -> None:
    import asyncio

    tenant = await make_tenant(db)
    chargers = [await add_charge_point(db, tenant) for _ in range(20)]
    at = utcnow()
    batches_before = db.batches
    await asyncio.gather(*(db.write(Scope.tenant(tenant), lambda uow, cp=cp: charger_reports.record_seen(
        uow, charge_point_id=cp, at=at)) for cp in chargers))
    assert db.batches - batches_before <= 2  # all twenty were committed together (or nearly)
    seen = await db.read(Scope.tenant(tenant), lambda uow: list(uow.session.scalars(
        select(ChargePoint.last_seen_at).where(ChargePoint.id.in_(chargers)))))
    assert seen == [at] * 20
