from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chargeplane.domain.text import Text


class EndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Text = Field(max_length=500, description="an https URL that answers 2xx to a signed POST")
    event_types: list[str] = Field(min_length=1, max_length=50, description='types, or ["*"] for all')
    description: Text | None = Field(default=None, max_length=200)


class EndpointUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Text | None = Field(default=None, max_length=500)
    event_types: list[str] | None = Field(default=None, min_length=1, max_length=50)
    description: Text | None = Field(default=None, max_length=200)
    active: bool | None = None


class EndpointRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str | None
    active: bool
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(EndpointRead):
    secret: str = Field(description="signs every delivery (Chargeplane-Signature); shown only now")


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryDetail(DeliveryRead):
    payload: dict[str, Any]
    attempt_log: list[AttemptRead]
