"""Which tariff applies: the precedence as a table (place, then audience, then validity and recency)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from chargeplane.db import UnitOfWork
from chargeplane.domain.access.models import CustomerGroupMember
from chargeplane.domain.identity.models import Membership
from chargeplane.domain.pricing.models import Tariff
from chargeplane.domain.pricing.selection import SelectedTariff, select_tariff
from chargeplane.domain.tokens.models import IdToken
from tests.cards.support import World, world  # noqa: F401 - the fixture
from tests.pricing.support import NOON, add_group, add_tariff
from tests.support.people import make_user


@dataclass
class Places:
    root: uuid.UUID  # the top account of the charger's tree
    owner: uuid.UUID  # the charger's account, under root
    other: uuid.UUID  # an account of another tree
    site: uuid.UUID
    cp: uuid.UUID
    cards: dict[str, uuid.UUID]
    groups: dict[str, uuid.UUID]


@pytest.fixture
async def places(world: World) -> Places:  # noqa: F811
    root = await world.account("Cooperative")
    owner = await world.account("Garage", parent_id=root)
    other = await world.account("Elsewhere")
    site = await world.site("Yard", account_id=owner)
    cp = uuid.UUID((await world.charge_point(account_id=owner, site_id=site, public=True))["id"])
    member, grouped_member, stranger = [await make_user(world.app, world.tenant.id, roles=[]) for _ in range(3)]
    for person in (member, grouped_member, stranger):
        await person.api.aclose()

    def unit(uow: UnitOfWork) -> Places:
        cards = {}
        holders = {"visitor": None, "member": member.user_id, "grouped": None,
                   "grouped_member": grouped_member.user_id, "far_grouped": stranger.user_id}
        for name, holder in holders.items():
            card = IdToken(uid=name.upper()[:20], uid_key=name.upper()[:20], user_id=holder)
            uow.session.add(card)
            uow.session.flush()
            cards[name] = card.id
        # A member of the tree holds a membership in the root; that is enough at the garage's chargers.
        for user in (member.user_id, grouped_member.user_id):
            uow.session.add(Membership(user_id=user, account_id=root, role="driver"))
        residents = add_group(uow, "Residents", account_id=owner, discount="10", id_token_id=cards["grouped"])
        uow.session.add(CustomerGroupMember(group_id=residents, user_id=grouped_member.user_id))
        far = add_group(uow, "Far away", account_id=other, discount="50", user_id=stranger.user_id)
        uow.session.flush()
        return Places(root, owner, other, site, cp, cards, {"residents": residents, "far": far})

    return await world.write(unit)


# (tariffs present as "place:audience[:extra]", driver, expected tariff name, "FREE" or None)
TABLE: list[tuple[list[str], str, str | None]] = [
    ([], "visitor", None),
    (["tenant:public"], "visitor", "tenant:public"),
    (["tenant:public", "account:public"], "visitor", "account:public"),
    (["account:public", "site:public"], "visitor", "site:public"),
    (["site:public", "cp:public"], "visitor", "cp:public"),
    (["cp:public", "cp:group"], "grouped", "cp:group"),
    (["cp:public", "cp:group"], "visitor", "cp:public"),
    (["cp:public", "cp:group"], "far_grouped", "cp:public"),
    (["cp:public"], "member", "FREE"),
    (["cp:public", "cp:private"], "member", "cp:private"),
    (["cp:public", "site:private"], "member", "site:private"),
    (["cp:private", "cp:group"], "grouped_member", "cp:group"),
    (["cp:private", "cp:public"], "grouped_member", "cp:private"),
    (["cp:private"], "visitor", None),
    (["site:public", "cp:group"], "visitor", "site:public"),
    (["tenant:group", "cp:public"], "grouped", "cp:public"),
    (["cp:public:inactive", "site:public"], "visitor", "site:public"),
    (["cp:public:expired", "site:public"], "visitor", "site:public"),
    (["cp:public:future", "site:public"], "visitor", "site:public"),
    (["cp:public", "cp:public:recent"], "visitor", "cp:public:recent"),
]


def _fields(spec: str, p: Places) -> dict[str, Any]:
    place, audience, *extra = spec.split(":")
    fields: dict[str, Any] = {"audience": "customer_group" if audience == "group" else audience}
    if audience == "group":
        fields["customer_group_id"] = p.groups["residents"]
    fields.update({"cp": {"charge_point_id": p.cp}, "site": {"site_id": p.site}, "account": {"account_id": p.owner},
                   "tenant": {}}[place])
    flag = extra[0] if extra else None
    if flag == "inactive":
        fields["active"] = False
    elif flag == "expired":
        fields["valid_to"] = NOON - timedelta(minutes=1)
    elif flag == "future":
        fields["valid_from"] = NOON + timedelta(minutes=1)
    elif flag == "recent":
        fields["valid_from"] = NOON - timedelta(days=1)
    return fields


@pytest.mark.parametrize(("present", "driver", "expected"), TABLE,
                         ids=[f"{'+'.join(t) or 'none'}->{d}" for t, d, _ in TABLE])
async def test_precedence(world: World, places: Places, present: list[str], driver: str,  # noqa: F811
                          expected: str | None) -> None:
    def unit(uow: UnitOfWork) -> tuple[SelectedTariff | None, dict[uuid.UUID, str]]:
        made = {add_tariff(uow, spec, **_fields(spec, places)).id: spec for spec in present}
        chosen = select_tariff(uow, charge_point_id=places.cp, id_token_id=places.cards[driver], at=NOON)
        for tariff_id in made:  # the next case starts from none
            uow.session.delete(uow.session.get(Tariff, tariff_id))
        return chosen, made

    chosen, made = await world.write(unit)
    if expected is None:
        assert chosen is None
    elif expected == "FREE":
        assert chosen is not None and chosen.tariff_id is None and chosen.spec["elements"] == []
        assert "free" in chosen.why
    else:
        assert chosen is not None, "a tariff should apply"
        assert made[chosen.tariff_id] == expected, chosen.why  # type: ignore[index]


async def test_the_discount_is_the_best_of_the_drivers_groups_in_the_chargers_tree(world: World,  # noqa: F811
                                                                                   places: Places) -> None:
    def unit(uow: UnitOfWork) -> dict[str, SelectedTariff | None]:
        add_tariff(uow, "Everyone", charge_point_id=places.cp)
        add_group(uow, "Gold", account_id=places.root, discount="15", id_token_id=places.cards["grouped"])
        return {name: select_tariff(uow, charge_point_id=places.cp, id_token_id=places.cards[name], at=NOON)
                for name in ("visitor", "grouped", "far_grouped")}

    chosen = await world.write(unit)
    assert chosen["visitor"] is not None and chosen["visitor"].discount_percent == 0
    grouped = chosen["grouped"]
    assert grouped is not None and grouped.discount_percent == Decimal("15") and "Gold" in grouped.why
    assert grouped.snapshot()["discount_percent"] == "15.00"
    # A group of another account tree gives nothing here, however generous.
    assert chosen["far_grouped"] is not None and chosen["far_grouped"].discount_percent == 0
