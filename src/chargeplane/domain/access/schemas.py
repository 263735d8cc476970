from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from chargeplane.domain.errors import invalid_value

Visibility = Literal["own", "shared", "community", "public"]


class CustomerGroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=500)
    account_id: uuid.UUID | None = Field(default=None, description="left out: the caller's own account, if one")
    discount_percent: Decimal = Field(default=Decimal(0), ge=0, le=100, decimal_places=2,
                                      description="off every price its members pay at the account's chargers")


class CustomerGroupUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=500)
    discount_percent: Decimal | None = Field(default=None, ge=0, le=100, decimal_places=2)


class CustomerGroupRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID | None
    name: str
    description: str | None
    discount_percent: Decimal
    created_at: datetime
    updated_at: datetime


class GroupMemberAdd(BaseModel):
    """A user or a card: exactly one."""

    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID | None = None
    id_token_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one(self) -> GroupMemberAdd:
        if (self.user_id is None) == (self.id_token_id is None):
            raise invalid_value("give either user_id or id_token_id")
        return self


class GroupMemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    group_id: uuid.UUID
    user_id: uuid.UUID | None
    id_token_id: uuid.UUID | None
    created_at: datetime


class AccessGrantCreate(BaseModel):
    """What is shared (a charge point or a site) with whom (a user, by id or email, or a group)."""

    model_config = ConfigDict(extra="forbid")

    charge_point_id: uuid.UUID | None = None
    site_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    user_email: str | None = Field(default=None, min_length=3, max_length=254)
    customer_group_id: uuid.UUID | None = None
    valid_until: AwareDatetime | None = None

    @model_validator(mode="after")
    def _one_each(self) -> AccessGrantCreate:
        if (self.charge_point_id is None) == (self.site_id is None):
            raise invalid_value("share either a charge_point_id or a site_id")
        if sum(x is not None for x in (self.user_id, self.user_email, self.customer_group_id)) != 1:
            raise invalid_value("share with one of user_id, user_email or customer_group_id")
        return self


class AccessGrantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID | None
    charge_point_id: uuid.UUID | None
    site_id: uuid.UUID | None
    user_id: uuid.UUID | None
    customer_group_id: uuid.UUID | None
    valid_until: datetime | None
    created_at: datetime


class DriverConnector(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    connector_id: int
    status: str
    error_code: str
    status_at: datetime


class DriverChargePoint(BaseModel):
    """A charger as the driver app shows it, and why this driver may use it."""

    id: uuid.UUID
    identity: str
    name: str | None
    site_id: uuid.UUID | None
    site_name: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    visibility: Visibility
    connected: bool = False
    connectors: list[DriverConnector]
    created_at: datetime


class DriverCardCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["physical", "virtual"] = "physical"
    uid: str | None = Field(default=None, min_length=1, max_length=20, description="a physical card's id")
    label: str | None = Field(default=None, max_length=100)
    account_id: uuid.UUID | None = Field(default=None, description="one of your accounts; left out: your only one")


class DriverCardUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(default=None, max_length=100)
    status: Literal["blocked"] | None = Field(default=None, description="block a lost card (only staff unblock)")


class DriverCard(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    uid: str
    kind: Literal["physical", "virtual"]
    status: str
    label: str | None
    contract_id: str | None
    expires_at: datetime | None
    created_at: datetime


class DriverStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connector_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    card_id: uuid.UUID | None = Field(default=None, description="left out: your first accepted card")


class DriverCommandResult(BaseModel):
    """The charger's answer: Accepted or Rejected."""

    status: str
    charge_point_id: uuid.UUID
    card_id: uuid.UUID | None = None
    connector_id: int | None = None
    transaction_id: int | None = None


class DriverSession(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    charge_point_id: uuid.UUID | None
    charge_point_identity: str
    connector_id: int
    card_id: uuid.UUID | None = Field(validation_alias="id_token_id")
    state: str
    status: str
    started_at: datetime | None
    stopped_at: datetime | None
    meter_start_wh: int | None
    meter_stop_wh: int | None
    energy_wh: int | None
    stop_reason: str | None
    created_at: datetime
