"""Which charge points a driver may see and start on: the one place this rule lives.

A charge point that is accepted is visible to a driver when
- it is public, or
- they hold a membership (driver, account_member, account_admin) in its account ("own"), or
- it is shared with them: an unexpired access grant of it, or of its site, to them or to a customer
  group they or one of their cards are in ("shared"), or
- it is community and they belong to any account of the same tree, the same top-level account
  ("community").

The rule looks across accounts by design (a neighbour's shared charger, a public one), so it runs
with the whole tenant's scope and selects by the user; it refuses a scope narrowed to accounts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import selectinload

from chargeplane.db import UnitOfWork
from chargeplane.domain.access.models import AccessGrant, CustomerGroupMember
from chargeplane.domain.access.schemas import Visibility
from chargeplane.domain.assets.models import ChargePoint
from chargeplane.domain.errors import NotFound
from chargeplane.domain.identity.models import Membership
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.tenancy.tree import ancestors, subtree
from chargeplane.domain.tokens.models import IdToken


@dataclass(frozen=True, slots=True)
class Reach:
    """What one driver's charge points are drawn from, read once per request."""

    own_accounts: frozenset[uuid.UUID]
    tree_accounts: frozenset[uuid.UUID]
    shared_charge_points: frozenset[uuid.UUID]
    shared_sites: frozenset[uuid.UUID]

    def condition(self) -> ColumnElement[bool]:
        def among(column: Any, ids: frozenset[uuid.UUID]) -> ColumnElement[bool]:
            return column.in_(sorted(ids)) if ids else false()

        return (ChargePoint.registration_status == "accepted") & or_(
            ChargePoint.public,
            among(ChargePoint.account_id, self.own_accounts),
            among(ChargePoint.id, self.shared_charge_points),
            among(ChargePoint.site_id, self.shared_sites),
            ChargePoint.community & among(ChargePoint.account_id, self.tree_accounts),
        )

    def why(self, cp: ChargePoint) -> Visibility | None:
        """The closest reason a driver may use `cp`, or None."""
        if cp.registration_status != "accepted":
            return None
        if cp.account_id in self.own_accounts:
            return "own"
        if cp.id in self.shared_charge_points or cp.site_id in self.shared_sites:
            return "shared"
        if cp.community and cp.account_id in self.tree_accounts:
            return "community"
        return "public" if cp.public else None


def reach_of(uow: UnitOfWork, *, user_id: uuid.UUID, at: datetime) -> Reach:
    if uow.scope.accounts is not None:
        raise RuntimeError("a driver's reach crosses accounts: read it with the tenant's scope")
    s = uow.session
    own = frozenset(a for a in s.scalars(select(Membership.account_id).where(Membership.user_id == user_id))
                    if a is not None)
    roots = {(ancestors(uow, account) or [account])[-1] for account in own}
    my_cards = select(IdToken.id).where(IdToken.user_id == user_id)
    my_groups = select(CustomerGroupMember.group_id).where(
        or_(CustomerGroupMember.user_id == user_id, CustomerGroupMember.id_token_id.in_(my_cards)))
    grants = s.execute(select(AccessGrant.charge_point_id, AccessGrant.site_id).where(
        or_(AccessGrant.user_id == user_id, AccessGrant.customer_group_id.in_(my_groups)),
        or_(AccessGrant.valid_until.is_(None), AccessGrant.valid_until > at),
    )).all()
    return Reach(
        own_accounts=own,
        tree_accounts=subtree(uow, roots) if roots else frozenset(),
        shared_charge_points=frozenset(cp for cp, _ in grants if cp is not None),
        shared_sites=frozenset(site for _, site in grants if site is not None),
    )


def visible_charge_points(uow: UnitOfWork, *, reach: Reach, limit: int,
                          after: tuple[Any, uuid.UUID] | None = None) -> list[ChargePoint]:
    """Newest first, keyset-paged like every list."""
    query = select(ChargePoint).options(selectinload(ChargePoint.connectors)).where(reach.condition())
    return list(uow.session.scalars(newest_first(query, ChargePoint, limit=limit, after=after)))


def visible_charge_point(uow: UnitOfWork, *, reach: Reach, charge_point_id: uuid.UUID) -> ChargePoint:
    """The charge point if the driver may use it; any other looks as if it did not exist."""
    cp = uow.session.get(ChargePoint, charge_point_id)
    if cp is None or reach.why(cp) is None:
        raise NotFound("charge point not found", charge_point_id=str(charge_point_id))
    return cp
