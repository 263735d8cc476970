"""What a driver would pay at a charge point now, before starting: the tariff, in numbers and in words."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from chargeplane.db import UnitOfWork
from chargeplane.domain.access.driver import my_card, my_cards
from chargeplane.domain.access.visibility import reach_of, visible_charge_point
from chargeplane.domain.pricing.describe import describe
from chargeplane.domain.pricing.schemas import PricePreview
from chargeplane.domain.pricing.selection import select_tariff
from chargeplane.domain.pricing.spec import spec_from_json


def preview_price(uow: UnitOfWork, *, user_id: uuid.UUID, charge_point_id: uuid.UUID, card_id: uuid.UUID | None,
                  at: datetime) -> PricePreview:
    """With the card named, else my first card that is accepted, else as myself without a card (my
    memberships and groups still count). Only chargers I may use answer; others are not found."""
    cp = visible_charge_point(uow, reach=reach_of(uow, user_id=user_id, at=at), charge_point_id=charge_point_id)
    card = my_card(uow, user_id=user_id, card_id=card_id) if card_id is not None else \
        next((c for c in my_cards(uow, user_id=user_id) if c.status == "accepted"), None)
    chosen = select_tariff(uow, charge_point_id=cp.id, id_token_id=card.id if card else None, at=at, user_id=user_id)
    if chosen is None:
        return PricePreview(tariff_id=None, currency=None, elements=[], discount_percent=Decimal(0),
                            summary="Free charging.", why="no tariff applies at this charge point")
    spec = spec_from_json(chosen.spec)
    return PricePreview(tariff_id=chosen.tariff_id, currency=spec.currency, elements=chosen.spec["elements"],
                        min_price=chosen.spec.get("min_price"), max_price=chosen.spec.get("max_price"),
                        discount_percent=chosen.discount_percent,
                        summary=describe(spec, discount_percent=chosen.discount_percent), why=chosen.why)
