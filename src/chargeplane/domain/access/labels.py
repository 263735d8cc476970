"""What people call the things the caller sees, for forms to offer and lists to show: accounts,
sites, charge points, customer groups, users and cards by name, each read in one query and
narrowed by the tenancy gate like everything else."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.access.models import CustomerGroup
from chargeplane.domain.assets.models import ChargePoint, Site
from chargeplane.domain.identity.models import User
from chargeplane.domain.tenancy.models import Account
from chargeplane.domain.tokens.models import IdToken

Choices = list[tuple[uuid.UUID, str]]


def accounts(uow: UnitOfWork) -> Choices:
    return [(row.id, row.name) for row in uow.session.execute(
        select(Account.id, Account.name).order_by(Account.name, Account.id))]


def sites(uow: UnitOfWork) -> Choices:
    return [(row.id, row.name) for row in uow.session.execute(select(Site.id, Site.name).order_by(Site.name, Site.id))]


def charge_points(uow: UnitOfWork) -> Choices:
    rows = uow.session.execute(select(ChargePoint.id, ChargePoint.identity, ChargePoint.name)
                               .order_by(ChargePoint.identity))
    return [(row.id, f"{row.identity} · {row.name}" if row.name else row.identity) for row in rows]


def groups(uow: UnitOfWork) -> Choices:
    return [(row.id, row.name) for row in uow.session.execute(
        select(CustomerGroup.id, CustomerGroup.name).order_by(CustomerGroup.name, CustomerGroup.id))]


def users(uow: UnitOfWork, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """Each user's name and email, as lists show them."""
    wanted = sorted({i for i in ids if i is not None})
    found: dict[uuid.UUID, str] = {}
    for start in range(0, len(wanted), 500):
        for row in uow.session.execute(select(User.id, User.name, User.email)
                                       .where(User.id.in_(wanted[start:start + 500]))):
            found[row.id] = f"{row.name} <{row.email}>" if row.name and row.email else (row.name or row.email or "")
    return found


def cards(uow: UnitOfWork, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """Each card's uid and label."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = uow.session.execute(select(IdToken.id, IdToken.uid, IdToken.label).where(IdToken.id.in_(wanted)))
    return {row.id: f"{row.uid} · {row.label}" if row.label else row.uid for row in rows}


def charger_identities(uow: UnitOfWork, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """Each charge point's identity, for lists that name the charger of each row."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = uow.session.execute(select(ChargePoint.id, ChargePoint.identity).where(ChargePoint.id.in_(wanted)))
    return {row.id: row.identity for row in rows}
