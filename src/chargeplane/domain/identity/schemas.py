"""What the user and membership endpoints take and answer: never a password hash, token or TOTP secret."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chargeplane.domain.errors import N_, invalid_value
from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.text import Text

# Fields a PATCH may never carry, with why: the generic "extra inputs" refusal would not say.
_FIXED = {
    "email": N_("%(name)s cannot be changed here: an email address changes only through a verified email change"),
    "tenant_id": N_("%(name)s cannot be changed here: a user belongs to one tenant for good"),
    "role": N_("%(name)s cannot be changed here: roles change through /users/{id}/memberships"),
    "roles": N_("%(name)s cannot be changed here: roles change through /users/{id}/memberships"),
    "account_id": N_("%(name)s cannot be changed here: accounts change through /users/{id}/memberships"),
}


class MembershipRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    account_id: uuid.UUID | None
    created_at: datetime


class MembershipCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    account_id: uuid.UUID | None = Field(default=None, description="for an account role; none for a tenant role")


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str | None
    mobile: str | None
    name: str | None
    language: str
    time_zone: str
    status: str
    email_verified_at: datetime | None
    totp_enabled: bool
    memberships: list[MembershipRead] = Field(description="those in the accounts you may see")
    created_at: datetime
    updated_at: datetime


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text | None = Field(default=None, max_length=200)
    language: Text | None = Field(default=None, max_length=8)
    time_zone: Text | None = Field(default=None, max_length=64)
    mobile: Text | None = Field(default=None, max_length=32, description="E.164, such as +3725551234")
    status: Literal["active", "disabled"] | None = Field(
        default=None, description="disabled logs the user out everywhere and keeps them out")

    @model_validator(mode="before")
    @classmethod
    def _refuse_fixed(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, refusal in _FIXED.items():
                if name in data:
                    raise invalid_value(refusal, name=name)
        return data
