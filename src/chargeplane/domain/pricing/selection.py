"""Which tariff applies to a driver at a charge point at a time: the one place this rule lives.

1. The most specific place wins: a tariff on the charge point, else on its site, else on every charger
   of its account (the owner), else on every charger of the tenant.
2. At that place, by audience: a customer-group tariff of a group the card or its holder is in, else a
   private tariff when the driver belongs to the charger's account tree (the whole tree of its top
   account: members of any of its accounts, or a card of one), else a public tariff. A driver of the
   tree never pays a public tariff: private charging is free unless the owner sets a private (or group)
   tariff.
3. Inactive tariffs and those outside `valid_from`/`valid_to` are skipped. Ties (same place and audience)
   go to the latest `valid_from`, then the newest; so a price change is scheduled by adding a tariff
   with a later `valid_from`, no priority numbers needed.
4. The discount is the best `discount_percent` among the driver's groups of the charger's account tree
   (and the tenant's own groups), whichever tariff applies.

A charge point with no tariff anywhere (the common case on the OCPP hot path) costs one query.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import false, or_, select

from chargeplane.db import UnitOfWork
from chargeplane.domain.access.models import CustomerGroup, CustomerGroupMember
from chargeplane.domain.assets.models import ChargePoint, Site
from chargeplane.domain.errors import NotFound
from chargeplane.domain.identity.models import Membership
from chargeplane.domain.pricing.models import Tariff
from chargeplane.domain.tenancy.tree import ancestors, subtree
from chargeplane.domain.tokens.models import IdToken

AUDIENCE_ORDER = ("customer_group", "private", "public")
PLACES = ("charge point", "site", "account", "tenant")


@dataclass(frozen=True, slots=True)
class Place:
    """Where a charge happens: what the precedence reads of the charge point."""

    charge_point_id: uuid.UUID
    site_id: uuid.UUID | None
    account_id: uuid.UUID | None
    time_zone: str = "UTC"


@dataclass(frozen=True, slots=True)
class SelectedTariff:
    tariff_id: uuid.UUID | None  # None: private charging without a private tariff, free
    spec: dict[str, Any]  # OCPI JSON as `spec.spec_to_json` writes it
    discount_percent: Decimal
    why: str

    def snapshot(self) -> dict[str, Any]:
        """What a session freezes at its start."""
        return {**self.spec, "discount_percent": str(self.discount_percent), "why": self.why}


@dataclass(frozen=True, slots=True)
class Driver:
    groups: dict[uuid.UUID, tuple[str, Decimal, uuid.UUID | None]]  # group id -> (name, discount, account)
    accounts: frozenset[uuid.UUID]  # of the holder's memberships and of the card


def place_of(uow: UnitOfWork, charge_point_id: uuid.UUID) -> Place:
    row = uow.session.execute(
        select(ChargePoint.site_id, ChargePoint.account_id, Site.time_zone)
        .outerjoin(Site, Site.id == ChargePoint.site_id).where(ChargePoint.id == charge_point_id)).first()
    if row is None:
        raise NotFound("charge point not found", charge_point_id=str(charge_point_id))
    return Place(charge_point_id, row[0], row[1], row[2] or "UTC")


def select_tariff(uow: UnitOfWork, *, charge_point_id: uuid.UUID, id_token_id: uuid.UUID | None, at: datetime,
                  user_id: uuid.UUID | None = None) -> SelectedTariff | None:
    """The tariff for the card `id_token_id` (or, without a card, the user `user_id`) at a charge point."""
    return select_at(uow, place=place_of(uow, charge_point_id), id_token_id=id_token_id, at=at, user_id=user_id)


def select_at(uow: UnitOfWork, *, place: Place, id_token_id: uuid.UUID | None, at: datetime,
              user_id: uuid.UUID | None = None) -> SelectedTariff | None:
    candidates = _candidates(uow, place, at)
    if not candidates:
        return None
    driver = _driver(uow, id_token_id, user_id)
    tree = _tree(uow, place.account_id) if driver.groups or driver.accounts else frozenset()
    private = bool(driver.accounts & tree)
    discount, discount_why = _discount(driver, tree)
    for level, at_place in enumerate(_by_place(candidates, place)):
        for audience in AUDIENCE_ORDER:
            eligible = [t for t in at_place if t.audience == audience and _for(t, driver, private)]
            if eligible:
                tariff = max(eligible, key=_newest)
                why = _why(tariff, driver, level) + discount_why
                return SelectedTariff(tariff.id, _spec(tariff), discount, why)
    if private:
        return SelectedTariff(None, {"currency": candidates[0].currency, "elements": []}, discount,
                              "private charging: the driver belongs to the charger's account tree and its owner set "
                              "no private tariff, so charging is free" + discount_why)
    return None


def _candidates(uow: UnitOfWork, place: Place, at: datetime) -> Sequence[Tariff]:
    everywhere = Tariff.charge_point_id.is_(None) & Tariff.site_id.is_(None)
    query = select(Tariff).where(
        Tariff.active,
        or_(Tariff.valid_from.is_(None), Tariff.valid_from <= at),
        or_(Tariff.valid_to.is_(None), Tariff.valid_to > at),
        or_(
            Tariff.charge_point_id == place.charge_point_id,
            Tariff.site_id == place.site_id if place.site_id is not None else false(),
            everywhere & (Tariff.account_id == place.account_id if place.account_id is not None else false()),
            everywhere & Tariff.account_id.is_(None),
        ),
    )
    return list(uow.session.scalars(query))


def _by_place(candidates: Sequence[Tariff], place: Place) -> list[list[Tariff]]:
    levels: list[list[Tariff]] = [[], [], [], []]
    for t in candidates:
        if t.charge_point_id is not None:
            levels[0].append(t)
        elif t.site_id is not None:
            levels[1].append(t)
        elif t.account_id is not None:
            levels[2].append(t)
        else:
            levels[3].append(t)
    return levels


def _for(tariff: Tariff, driver: Driver, private: bool) -> bool:
    if tariff.audience == "customer_group":
        return tariff.customer_group_id in driver.groups
    if tariff.audience == "private":
        return private
    return not private


def _newest(tariff: Tariff) -> tuple[bool, datetime | None, datetime, str]:
    return (tariff.valid_from is not None, tariff.valid_from, tariff.created_at, str(tariff.id))


def _driver(uow: UnitOfWork, id_token_id: uuid.UUID | None, user_id: uuid.UUID | None) -> Driver:
    s = uow.session
    accounts: set[uuid.UUID] = set()
    if id_token_id is not None:
        card = s.execute(select(IdToken.user_id, IdToken.account_id).where(IdToken.id == id_token_id)).first()
        if card is not None:
            user_id = card[0] or user_id
            if card[1] is not None:
                accounts.add(card[1])
    if id_token_id is None and user_id is None:
        return Driver({}, frozenset())
    if user_id is not None:
        accounts |= {a for a in s.scalars(select(Membership.account_id).where(Membership.user_id == user_id))
                     if a is not None}
    who = []
    if id_token_id is not None:
        who.append(CustomerGroupMember.id_token_id == id_token_id)
    if user_id is not None:
        who.append(CustomerGroupMember.user_id == user_id)
    rows = s.execute(select(CustomerGroup.id, CustomerGroup.name, CustomerGroup.discount_percent,
                            CustomerGroup.account_id)
                     .join(CustomerGroupMember, CustomerGroupMember.group_id == CustomerGroup.id)
                     .where(or_(*who))).all()
    return Driver({r[0]: (r[1], Decimal(r[2] or 0), r[3]) for r in rows}, frozenset(accounts))


def _tree(uow: UnitOfWork, account_id: uuid.UUID | None) -> frozenset[uuid.UUID]:
    if account_id is None:
        return frozenset()
    root = (ancestors(uow, account_id) or [account_id])[-1]
    return subtree(uow, [root])


def _discount(driver: Driver, tree: frozenset[uuid.UUID]) -> tuple[Decimal, str]:
    best, name = Decimal(0), ""
    for group_name, percent, account in driver.groups.values():
        if (account is None or account in tree) and percent > best:
            best, name = percent, group_name
    return (best, f"; {best.normalize():f}% discount as a member of {name!r}") if best else (best, "")


def _why(tariff: Tariff, driver: Driver, level: int) -> str:
    audience = {"public": "public tariff", "private": "private tariff (the driver belongs to the charger's "
                "account tree)"}.get(tariff.audience, "")
    if tariff.audience == "customer_group" and tariff.customer_group_id is not None:
        audience = f"tariff of customer group {driver.groups[tariff.customer_group_id][0]!r}"
    where = ("set on this charge point", "set on its site", "of the charger's account", "of the tenant")[level]
    return f"{audience} {tariff.name!r}, {where}"


def _spec(tariff: Tariff) -> dict[str, Any]:
    spec: dict[str, Any] = {"currency": tariff.currency, "elements": tariff.elements}
    for name in ("min_price", "max_price"):
        if getattr(tariff, name) is not None:
            spec[name] = getattr(tariff, name)
    return spec
