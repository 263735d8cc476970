"""The account tree: an account and everything nested under it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.tenancy.models import Account


def subtree(uow: UnitOfWork, roots: Iterable[uuid.UUID]) -> frozenset[uuid.UUID]:
    """The roots and all their descendants, one query per level (trees are shallow)."""
    found: set[uuid.UUID] = set(roots)
    frontier = set(found)
    while frontier:
        children = set(uow.session.scalars(select(Account.id).where(Account.parent_id.in_(frontier))))
        frontier = children - found
        found |= frontier
    return frozenset(found)


def ancestors(uow: UnitOfWork, account_id: uuid.UUID) -> list[uuid.UUID]:
    """The account's parents, nearest first."""
    chain: list[uuid.UUID] = []
    current: uuid.UUID | None = uow.session.scalar(select(Account.parent_id).where(Account.id == account_id))
    while current is not None and current not in chain:
        chain.append(current)
        current = uow.session.scalar(select(Account.parent_id).where(Account.id == current))
    return chain
