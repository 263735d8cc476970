from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chargeplane.domain.text import Text

ReservationStatus = Literal["requested", "accepted", "refused", "failed", "used", "cancelled", "expired"]


class ReservationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connector_id: int = Field(ge=0, le=1000, description="0 reserves any connector of the charger")
    id_tag: Text = Field(min_length=1, max_length=20, description="the card the connector is held for")
    expires_at: AwareDatetime = Field(description="until when; at most 24 hours ahead")


class ReservationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    charge_point_id: uuid.UUID
    account_id: uuid.UUID | None
    reservation_id: int
    connector_id: int
    id_tag: str
    parent_id_tag: str | None
    expires_at: datetime
    status: ReservationStatus
    charger_status: str | None = Field(description="the charger's answer to ReserveNow")
    failure: str | None
    session_id: uuid.UUID | None
    created_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
