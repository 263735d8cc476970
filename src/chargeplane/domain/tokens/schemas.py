from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

TokenStatus = Literal["accepted", "blocked", "expired", "invalid"]


class IdTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uid: str = Field(min_length=1, max_length=20, description="the card's id as the charger sends it (idTag)")
    status: TokenStatus = "accepted"
    expires_at: AwareDatetime | None = None
    parent_uid: str | None = Field(default=None, min_length=1, max_length=20)


class IdTokenUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: TokenStatus | None = None
    expires_at: AwareDatetime | None = None
    parent_uid: str | None = Field(default=None, min_length=1, max_length=20)


class IdTokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    uid: str
    status: TokenStatus
    expires_at: datetime | None
    parent_uid: str | None
    created_at: datetime
    updated_at: datetime
