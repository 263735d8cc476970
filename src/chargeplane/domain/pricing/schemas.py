"""Tariffs through the API: OCPI 2.2.1 elements as JSON, checked by `spec.spec_from_json`."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Audience = Literal["public", "customer_group", "private"]


class TariffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    currency: str | None = Field(default=None, description="ISO 4217; left out: the tenant's currency")
    elements: list[Any] = Field(description="OCPI 2.2.1 tariff elements: price_components and restrictions")
    min_price: dict[str, Any] | None = None
    max_price: dict[str, Any] | None = None
    site_id: uuid.UUID | None = Field(default=None, description="applies at this site's charge points")
    charge_point_id: uuid.UUID | None = Field(default=None, description="applies at this charge point only")
    account_id: uuid.UUID | None = Field(
        default=None, description="the owner, for a tariff on every charger of an account; taken from the site or "
                                  "charge point otherwise")
    audience: Audience = "public"
    customer_group_id: uuid.UUID | None = None
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None
    active: bool = True


class TariffUpdate(BaseModel):
    """Where a tariff applies and whose it is do not change: make a new one instead."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    currency: str | None = None
    elements: list[Any] | None = None
    min_price: dict[str, Any] | None = None
    max_price: dict[str, Any] | None = None
    audience: Audience | None = None
    customer_group_id: uuid.UUID | None = None
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None
    active: bool | None = None


class TariffRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID | None
    name: str
    currency: str
    elements: list[dict[str, Any]]
    min_price: dict[str, Any] | None
    max_price: dict[str, Any] | None
    site_id: uuid.UUID | None
    charge_point_id: uuid.UUID | None
    audience: Audience
    customer_group_id: uuid.UUID | None
    valid_from: datetime | None
    valid_to: datetime | None
    active: bool
    created_at: datetime
    updated_at: datetime


class PricePreview(BaseModel):
    """The tariff that would apply to a driver at a charge point now, in numbers and in words."""

    tariff_id: uuid.UUID | None
    currency: str | None
    elements: list[dict[str, Any]]
    min_price: dict[str, Any] | None = None
    max_price: dict[str, Any] | None = None
    discount_percent: Decimal
    summary: str
    why: str
