"""The gate narrowed to accounts: an account's scope sees and writes only its accounts' rows."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, update

from chargeplane.db import Database, Scope, UnitOfWork
from chargeplane.db.tenancy import TenancyError
from chargeplane.domain.assets.models import ChargePoint
from chargeplane.domain.tenancy.models import Account
from chargeplane.domain.tokens.models import IdToken
from tests.db.test_tenancy_gate import make_tenant


class Tree:
    def __init__(self, tenant: uuid.UUID, parent: uuid.UUID, child: uuid.UUID, other: uuid.UUID) -> None:
        self.tenant, self.parent, self.child, self.other = tenant, parent, child, other

    def scope(self, *accounts: uuid.UUID) -> Scope:
        return Scope.of_accounts(self.tenant, frozenset(accounts))


@pytest.fixture
async def tree(db: Database) -> Tree:
    """Two top accounts, the first with a sub-account; one charge point in each, one of the tenant's own."""
    tenant = await make_tenant(db)

    def unit(uow: UnitOfWork) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
        parent, other = Account(name="Parent", kind="business"), Account(name="Other", kind="standard")
        uow.session.add_all([parent, other])
        uow.session.flush()
        child = Account(name="Child", kind="consumer", parent_id=parent.id, relation="employee")
        uow.session.add(child)
        uow.session.flush()
        for account in (parent.id, child.id, other.id, None):
            uow.session.add(ChargePoint(identity=f"CP-{uuid.uuid4().hex[:10]}", password_hash="x",
                                        account_id=account))
        return parent.id, child.id, other.id

    parent, child, other = await db.write(Scope.tenant(tenant), unit)
    return Tree(tenant, parent, child, other)


def _visible(uow: UnitOfWork) -> tuple[set[Any], set[Any]]:
    return (set(uow.session.scalars(select(ChargePoint.account_id))),
            set(uow.session.scalars(select(Account.id))))


async def test_a_narrowed_scope_reads_only_its_accounts(db: Database, tree: Tree) -> None:
    charge_points, accounts = await db.read(tree.scope(tree.parent, tree.child), _visible)
    assert charge_points == {tree.parent, tree.child}
    assert accounts == {tree.parent, tree.child}
    charge_points, accounts = await db.read(tree.scope(tree.child), _visible)
    assert charge_points == {tree.child} and accounts == {tree.child}
    # The whole tenant sees all four, the tenant's own charger (no account) included.
    charge_points, accounts = await db.read(Scope.tenant(tree.tenant), _visible)
    assert charge_points == {tree.parent, tree.child, tree.other, None}


async def test_bulk_updates_stay_inside_the_scope(db: Database, tree: Tree) -> None:
    def rename_all(uow: UnitOfWork) -> None:
        uow.session.execute(update(ChargePoint).values(name="renamed"))

    await db.write(tree.scope(tree.child), rename_all)

    def names(uow: UnitOfWork) -> dict[Any, Any]:
        return dict(uow.session.execute(select(ChargePoint.account_id, ChargePoint.name)).tuples().all())

    assert await db.read(Scope.tenant(tree.tenant), names) == {
        tree.parent: None, tree.child: "renamed", tree.other: None, None: None}


async def test_writes_outside_the_scope_are_refused(db: Database, tree: Tree) -> None:
    def add_elsewhere(uow: UnitOfWork) -> None:
        uow.session.add(IdToken(uid="X1", uid_key="X1", account_id=tree.other))
        uow.session.flush()

    def add_tenant_level(uow: UnitOfWork) -> None:
        uow.session.add(IdToken(uid="X2", uid_key="X2"))
        uow.session.flush()

    def move_out(uow: UnitOfWork) -> None:
        cp = uow.session.scalars(select(ChargePoint).where(ChargePoint.account_id == tree.child)).one()
        cp.account_id = tree.other
        uow.session.flush()

    def adopt_sub_account_elsewhere(uow: UnitOfWork) -> None:
        uow.session.add(Account(name="Sneaky", kind="consumer", parent_id=tree.other, relation="employee"))
        uow.session.flush()

    for unit in (add_elsewhere, add_tenant_level, move_out, adopt_sub_account_elsewhere):
        with pytest.raises(TenancyError, match="another account"):
            await db.write(tree.scope(tree.parent, tree.child), unit)


async def test_a_sub_account_may_be_created_under_an_account_in_scope(db: Database, tree: Tree) -> None:
    def add(uow: UnitOfWork) -> uuid.UUID:
        account = Account(name="Grandchild", kind="consumer", parent_id=tree.child, relation="subsidiary")
        uow.session.add(account)
        uow.session.flush()
        return account.id

    new = await db.write(tree.scope(tree.child), add)
    count = await db.read(Scope.tenant(tree.tenant),
                          lambda uow: uow.session.scalar(select(func.count()).where(Account.parent_id == tree.child)))
    assert new is not None and count == 1


async def test_batched_rows_of_another_account_are_refused(db: Database, tree: Tree) -> None:
    def batched(uow: UnitOfWork) -> None:
        uow.insert_later(IdToken.__table__, [{"id": uuid.uuid4(), "uid": "B1", "uid_key": "B1", "kind": "physical",
                                              "status": "accepted", "restricted": False, "account_id": tree.other}])

    with pytest.raises(TenancyError, match="another account"):
        await db.write(tree.scope(tree.parent), batched)
