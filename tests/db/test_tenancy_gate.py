"""The one tenancy gate: every ORM statement is scoped, and no write crosses tenants."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from chargeplane.db import Database, Scope, UnitOfWork
from chargeplane.db.tenancy import TenancyError
from chargeplane.domain.assets.models import ChargePoint
from chargeplane.domain.tenancy.models import Tenant
from chargeplane.domain.tenancy.service import create_tenant
from chargeplane.domain.tokens.models import IdToken


async def make_tenant(db: Database) -> uuid.UUID:
    slug = f"t-{uuid.uuid4().hex[:8]}"
    return await db.write(Scope.installation("test"), lambda uow: create_tenant(uow, name=slug, slug=slug).id)


async def add_charge_point(db: Database, tenant_id: uuid.UUID) -> uuid.UUID:
    def unit(uow: UnitOfWork) -> uuid.UUID:
        cp = ChargePoint(identity=f"CP-{uuid.uuid4().hex[:10]}", password_hash="x")
        uow.session.add(cp)
        uow.session.flush()
        return cp.id

    return await db.write(Scope.tenant(tenant_id), unit)


@pytest.fixture
async def two_tenants(db: Database) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    a, b = await make_tenant(db), await make_tenant(db)
    return a, b, await add_charge_point(db, a)


async def test_a_session_without_scope_cannot_query(db: Database) -> None:
    def work(session: Session) -> Any:
        return session.scalars(select(ChargePoint)).all()

    with pytest.raises(TenancyError, match="without a scope"):
        await db.runner.read(work)


async def test_other_tenant_reads_nothing(db: Database, two_tenants: tuple[uuid.UUID, ...]) -> None:
    a, b, cp_id = two_tenants

    def look(uow: UnitOfWork) -> tuple[Any, ...]:
        return (
            uow.session.get(ChargePoint, cp_id),
            uow.session.scalar(select(func.count()).select_from(ChargePoint).where(ChargePoint.id == cp_id)),
            uow.session.scalars(select(Tenant.id)).all(),
        )

    got, count, tenants = await db.read(Scope.tenant(b), look)
    assert got is None and count == 0
    assert tenants == [b]  # a tenant sees only its own tenant row
    own, own_count, _ = await db.read(Scope.tenant(a), look)
    assert own is not None and own_count == 1


async def test_other_tenant_cannot_update_or_delete(db: Database, two_tenants: tuple[uuid.UUID, ...]) -> None:
    a, b, cp_id = two_tenants

    def tamper(uow: UnitOfWork) -> tuple[int, int]:
        changed = uow.session.execute(update(ChargePoint).where(ChargePoint.id == cp_id).values(name="hacked"))
        removed = uow.session.execute(delete(ChargePoint).where(ChargePoint.id == cp_id))
        return changed.rowcount, removed.rowcount  # type: ignore[attr-defined]

    assert await db.write(Scope.tenant(b), tamper) == (0, 0)
    name = await db.read(Scope.tenant(a), lambda uow: uow.session.get(ChargePoint, cp_id).name)
    assert name is None


async def test_writing_a_row_of_another_tenant_is_refused(db: Database, two_tenants: tuple[uuid.UUID, ...]) -> None:
    a, b, _ = two_tenants

    def smuggle(uow: UnitOfWork) -> None:
        uow.session.add(IdToken(tenant_id=a, uid="SMUGGLED", uid_key="SMUGGLED"))
        uow.session.flush()

    with pytest.raises(TenancyError, match="another tenant"):
        await db.write(Scope.tenant(b), smuggle)

    def bulk(uow: UnitOfWork) -> None:
        uow.session.execute(insert(IdToken), [{"tenant_id": a, "uid": "BULK", "uid_key": "BULK"}])

    with pytest.raises(TenancyError, match="another tenant"):
        await db.write(Scope.tenant(b), bulk)
    count = await db.read(Scope.tenant(a), lambda uow: uow.session.scalar(select(func.count()).select_from(IdToken)))
    assert count == 0


async def test_a_rows_tenant_cannot_change(db: Database, two_tenants: tuple[uuid.UUID, ...]) -> None:
    a, b, cp_id = two_tenants

    def move(uow: UnitOfWork) -> None:
        cp = uow.session.get(ChargePoint, cp_id)
        assert cp is not None
        cp.tenant_id = b
        uow.session.flush()

    with pytest.raises(TenancyError):
        await db.write(Scope.tenant(a), move)


async def test_new_rows_get_the_scope_tenant(db: Database, two_tenants: tuple[uuid.UUID, ...]) -> None:
    a, _, _ = two_tenants
    cp_id = await add_charge_point(db, a)
    owner = await db.read(Scope.installation("test"), lambda uow: uow.session.get(ChargePoint, cp_id).tenant_id)
    assert owner == a


async def test_a_tenant_scope_cannot_create_tenants(db: Database, two_tenants: tuple[uuid.UUID, ...]) -> None:
    _, b, _ = two_tenants
    with pytest.raises(TenancyError):
        await db.write(Scope.tenant(b), lambda uow: create_tenant(uow, name="rogue", slug=f"r-{uuid.uuid4().hex[:6]}"))


async def test_one_failing_unit_does_not_spoil_its_batch(db: Database, two_tenants: tuple[uuid.UUID, ...]) -> None:
    """Units committed together are isolated by savepoints: one error rolls back that unit only."""
    import asyncio

    a, _, _ = two_tenants

    def good(uid: str) -> Any:
        def unit(uow: UnitOfWork) -> None:
            uow.session.add(IdToken(uid=uid, uid_key=uid))
        return unit

    def bad(uow: UnitOfWork) -> None:
        uow.session.add(IdToken(uid="BAD", uid_key="BAD"))
        uow.session.flush()
        raise ValueError("boom")

    results = await asyncio.gather(
        db.write(Scope.tenant(a), good("ONE")), db.write(Scope.tenant(a), bad), db.write(Scope.tenant(a), good("TWO")),
        return_exceptions=True,
    )
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], ValueError)
    uids = await db.read(Scope.tenant(a), lambda uow: sorted(uow.session.scalars(select(IdToken.uid))))
    assert uids == ["ONE", "TWO"]
