from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.text import Text

_URL = "https://; http:// only for localhost"
AccountKind = Literal["standard", "business", "consumer"]
Relation = Literal["employee", "subsidiary"]


class TenantBrand(BaseModel):
    """What anyone using the tenant's platform sees of it: its name, look, languages and links."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    slug: str
    display_name: str | None
    logo_url: str | None
    primary_color: str | None
    accent_color: str | None
    default_language: str
    languages: list[str]
    currency: str
    time_zone: str
    terms_url: str | None
    privacy_url: str | None
    terms_version: int
    support_email: str | None
    support_url: str | None


class TenantRead(TenantBrand):
    """The tenant's settings, as its staff see them."""

    allow_auto_registration: bool
    created_at: datetime


class TenantUpdate(BaseModel):
    """Only the settings sent change; `null` clears an optional one."""

    model_config = ConfigDict(extra="forbid")

    name: Text | None = Field(default=None, min_length=1, max_length=200)
    allow_auto_registration: bool | None = None
    display_name: Text | None = Field(default=None, max_length=200)
    logo_url: Text | None = Field(default=None, max_length=500, description=_URL)
    primary_color: Text | None = Field(default=None, max_length=7, examples=["#0a7d3c"])
    accent_color: Text | None = Field(default=None, max_length=7, examples=["#ffcc00"])
    default_language: Text | None = Field(default=None, max_length=8)
    languages: list[Text] | None = Field(default=None, max_length=20, description="of en, et, lt, nb, sv")
    currency: Text | None = Field(default=None, max_length=3)
    time_zone: Text | None = Field(default=None, max_length=64)
    terms_url: Text | None = Field(default=None, max_length=500, description=_URL)
    privacy_url: Text | None = Field(default=None, max_length=500, description=_URL)
    support_email: Text | None = Field(default=None, max_length=254)
    support_url: Text | None = Field(default=None, max_length=500, description=_URL)


class AccountFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    legal_name: Text | None = Field(default=None, max_length=200)
    registration_number: Text | None = Field(default=None, max_length=64)
    vat_number: Text | None = Field(default=None, max_length=32, examples=["EE101234567"])
    billing_address: Text | None = Field(default=None, max_length=500)
    email: Text | None = Field(default=None, max_length=254)
    reimbursement_rate: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=4,
                                                 description="per kWh")] | None = None
    reimbursement_currency: Text | None = Field(default=None, max_length=3)
    payee_iban: Text | None = Field(default=None, max_length=50, description="ISO 13616; spaces are dropped")


class AccountCreate(AccountFields):
    name: Text = Field(min_length=1, max_length=200)
    kind: AccountKind = "standard"
    parent_id: uuid.UUID | None = Field(default=None, description="for a sub-account, with relation")
    relation: Relation | None = None


class AccountUpdate(AccountFields):
    """The parent (and so the tree) is fixed; `null` clears an optional setting."""

    name: Text | None = Field(default=None, min_length=1, max_length=200)
    kind: AccountKind | None = None
    relation: Relation | None = None


class AccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    kind: str
    relation: str | None
    legal_name: str | None
    registration_number: str | None
    vat_number: str | None
    billing_address: str | None
    email: str | None
    reimbursement_rate: Decimal | None
    reimbursement_currency: str | None
    payee_iban: str | None
    created_at: datetime
    updated_at: datetime


class AccountNode(AccountRead):
    children: list[AccountNode] = []


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)
    role: Role
    account_id: uuid.UUID | None = Field(default=None, description="for an account role; none for a tenant role")


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str
    role: str
    account_id: uuid.UUID | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    created_by_user_id: uuid.UUID | None
    created_by_key_id: uuid.UUID | None


class ApiKeyCreated(ApiKeyRead):
    secret: str = Field(description="the key itself, shown this once: send it as `Authorization: Bearer <secret>`")
