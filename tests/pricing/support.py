"""Tariffs for the pricing tests: plain OCPI elements and a direct way to put a tariff in place."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from chargeplane.db import UnitOfWork
from chargeplane.domain.access.models import CustomerGroup, CustomerGroupMember
from chargeplane.domain.pricing import service
from chargeplane.domain.pricing.models import Tariff

NOON = datetime.fromisoformat("2026-03-02T12:00:00+00:00")


def energy(price: str | float, *, start_fee: str | None = None) -> list[dict[str, Any]]:
    elements: list[dict[str, Any]] = [{"price_components": [{"type": "ENERGY", "price": price, "step_size": 1}]}]
    if start_fee is not None:
        elements.insert(0, {"price_components": [{"type": "FLAT", "price": start_fee}]})
    return elements


def add_tariff(uow: UnitOfWork, name: str, *, price: str = "0.30", now: datetime = NOON, **fields: Any) -> Tariff:
    return service.create_tariff(uow, fields={"name": name, "currency": "EUR", "elements": energy(price), **fields},
                                 actor=None, now=now)


def add_group(uow: UnitOfWork, name: str, *, account_id: uuid.UUID | None, discount: str = "0",
              user_id: uuid.UUID | None = None, id_token_id: uuid.UUID | None = None) -> uuid.UUID:
    group = CustomerGroup(name=name, account_id=account_id, discount_percent=Decimal(discount))
    uow.session.add(group)
    uow.session.flush()
    uow.session.add(CustomerGroupMember(group_id=group.id, user_id=user_id, id_token_id=id_token_id))
    uow.session.flush()
    return group.id
