from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

SessionState = Literal["active", "interrupted", "completed"]
SessionStatus = Literal["normal", "abnormal"]


class MeterValueRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    timestamp: datetime
    connector_id: int
    value: str
    measurand: str | None
    phase: str | None
    location: str | None
    context: str | None
    format: str | None
    unit: str | None


class SessionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    transaction_id: int | None
    reported_transaction_id: int | None
    charge_point_id: uuid.UUID | None
    charge_point_identity: str
    connector_id: int
    id_tag: str | None
    id_token_id: uuid.UUID | None
    id_tag_status: str | None
    reservation_id: int | None
    meter_start_wh: int | None
    meter_stop_wh: int | None
    energy_wh: int | None
    started_at: datetime | None
    start_received_at: datetime | None
    stopped_at: datetime | None
    stop_received_at: datetime | None
    stop_id_tag: str | None
    stop_reason: str | None
    state: SessionState
    status: SessionStatus
    status_reason: str | None
    interrupted_at: datetime | None
    created_at: datetime


class SessionDetail(SessionRead):
    meter_values: list[MeterValueRead]
