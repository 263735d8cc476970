from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from chargeplane.domain.text import Text

Level = Literal["critical", "major", "minor", "info"]
Cause = Literal["connector_faulted", "charger_offline", "security_event", "boot_rejected", "abnormal_session",
                "firmware_failed", "connection_takeover"]


class AlarmChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    change: Literal["raised", "repeated", "acknowledged", "resolved"]
    actor: str | None = Field(description="who; none when the system did it")
    comment: str | None


class AlarmRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    cause: Cause
    level: Level
    status: Literal["open", "acknowledged", "resolved"]
    charge_point_id: uuid.UUID | None
    account_id: uuid.UUID | None
    connector_id: int | None
    session_id: uuid.UUID | None
    detail: str | None
    occurrences: int
    raised_at: datetime
    last_seen_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None = Field(description="who resolved it; none when it resolved by itself")
    created_at: datetime


class AlarmDetail(AlarmRead):
    history: list[AlarmChangeRead]


class AlarmAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: Text | None = Field(default=None, max_length=1000)


class AlarmRuleRead(BaseModel):
    cause: Cause
    enabled: bool
    level: Level
    offline_after_seconds: int
    notify_emails: list[str] = Field(description="empty: the tenant's admins")


class AlarmRuleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    level: Level | None = None
    offline_after_seconds: int | None = Field(default=None, ge=60, le=7 * 24 * 3600)
    notify_emails: list[EmailStr] | None = Field(default=None, max_length=20)
