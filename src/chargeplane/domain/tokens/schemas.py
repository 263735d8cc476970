from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

TokenStatus = Literal["accepted", "blocked", "expired", "invalid"]
TokenKind = Literal["physical", "virtual"]

_UID = "the card's id as the charger sends it (idTag); generated for virtual cards"
_PLACES = "when restricted, the card works only at these sites and charge points"


class IdTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: TokenKind = "physical"
    uid: str | None = Field(default=None, min_length=1, max_length=20, description=_UID)
    status: TokenStatus = "accepted"
    expires_at: AwareDatetime | None = None
    parent_uid: str | None = Field(default=None, min_length=1, max_length=20)
    contract_id: str | None = Field(default=None, min_length=1, max_length=20, description="eMI3 EMAID")
    label: str | None = Field(default=None, max_length=100)
    user_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = Field(default=None, description="left out: the caller's own account, if one")
    restricted: bool = False
    site_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500, description=_PLACES)
    charge_point_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500, description=_PLACES)


class IdTokenUpdate(BaseModel):
    """Only the fields sent change; `user_id: null` unlinks the card from its holder."""

    model_config = ConfigDict(extra="forbid")

    status: TokenStatus | None = None
    expires_at: AwareDatetime | None = None
    parent_uid: str | None = Field(default=None, min_length=1, max_length=20)
    contract_id: str | None = Field(default=None, min_length=1, max_length=20)
    label: str | None = Field(default=None, max_length=100)
    user_id: uuid.UUID | None = None
    restricted: bool | None = None
    site_ids: list[uuid.UUID] | None = Field(default=None, max_length=500)
    charge_point_ids: list[uuid.UUID] | None = Field(default=None, max_length=500)


class IdTokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    uid: str
    kind: TokenKind
    status: TokenStatus
    expires_at: datetime | None
    parent_uid: str | None
    contract_id: str | None
    label: str | None
    user_id: uuid.UUID | None
    account_id: uuid.UUID | None
    restricted: bool
    site_ids: list[uuid.UUID] = []
    charge_point_ids: list[uuid.UUID] = []
    created_at: datetime
    updated_at: datetime


class ImportResult(BaseModel):
    imported: int


class ImportRowError(BaseModel):
    row: int = Field(description="the row in the file; the header is row 1")
    column: str | None
    message: str
