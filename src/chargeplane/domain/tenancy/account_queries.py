"""Reading accounts: pages of them, and one account with everything nested under it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.models import ChargePoint, Site
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.tenancy.accounts import get_account
from chargeplane.domain.tenancy.models import Account
from chargeplane.domain.tenancy.schemas import AccountNode
from chargeplane.domain.tenancy.tree import subtree
from chargeplane.domain.tokens.models import IdToken


def list_accounts(uow: UnitOfWork, *, parent_id: uuid.UUID | None, limit: int,
                  after: tuple[datetime, uuid.UUID] | None = None) -> list[Account]:
    """Newest first; `after` is the (created_at, id) of the last row of the previous page."""
    query = select(Account)
    if parent_id is not None:
        query = query.where(Account.parent_id == parent_id)
    return list(uow.session.scalars(newest_first(query, Account, after=after, limit=limit)))


def account_tree(uow: UnitOfWork, account_id: uuid.UUID) -> AccountNode:
    """The account and its sub-accounts to any depth, each level sorted by name."""
    root = get_account(uow, account_id)
    ids = subtree(uow, [root.id])
    rows = uow.session.scalars(select(Account).where(Account.id.in_(ids)).order_by(Account.name, Account.id))
    nodes = {row.id: AccountNode.model_validate(row) for row in rows}
    for node in nodes.values():
        if node.id != root.id and node.parent_id in nodes:
            nodes[node.parent_id].children.append(node)
    return nodes[root.id]


def holdings(uow: UnitOfWork, account_id: uuid.UUID) -> dict[str, int]:
    """How many charge points, sites and cards the account itself holds (not its sub-accounts)."""
    get_account(uow, account_id)
    counted: dict[str, int] = {}
    for name, model in (("charge_points", ChargePoint), ("sites", Site), ("cards", IdToken)):
        query = select(func.count()).select_from(model).where(model.account_id == account_id)
        counted[name] = int(uow.session.scalar(query) or 0)
    return counted


def names_of(uow: UnitOfWork, account_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """The names of those of these accounts the scope sees, in one query (for labelling lists)."""
    wanted = {account_id for account_id in account_ids if account_id is not None}
    if not wanted:
        return {}
    return dict(uow.session.execute(select(Account.id, Account.name).where(Account.id.in_(wanted))).tuples().all())
