from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chargeplane.domain.text import Text


class CampaignSelection(BaseModel):
    """Which chargers: every one that matches all the given fields (none given: every charger)."""

    model_config = ConfigDict(extra="forbid")

    vendor: Text | None = Field(default=None, max_length=20)
    model: Text | None = Field(default=None, max_length=20)
    site_id: uuid.UUID | None = None
    firmware_version: Text | None = Field(default=None, max_length=50, description="the version they run now")
    charge_point_ids: list[uuid.UUID] | None = Field(default=None, max_length=5000)


class CampaignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)
    location: Text = Field(min_length=1, max_length=500, description="where chargers download the firmware (URI)")
    retrieve_date: AwareDatetime | None = Field(default=None, description="when they may download it (default now)")
    selection: CampaignSelection = Field(default_factory=CampaignSelection)
    batch_size: int = Field(default=10, ge=1, le=1000, description="chargers updating at the same time")
    max_attempts: int = Field(default=3, ge=1, le=10)


class CampaignRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    location: str
    retrieve_date: datetime | None
    selection: dict[str, object]
    batch_size: int
    max_attempts: int
    status: str
    created_by: str | None
    created_at: datetime
    finished_at: datetime | None


class CampaignSummary(CampaignRead):
    targets: int
    by_status: dict[str, int] = Field(description="chargers by their progress: pending, sent, downloading, "
                                                  "downloaded, installing, installed, failed, cancelled")


class TargetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    charge_point_id: uuid.UUID
    status: str
    attempts: int
    last_report: str | None
    last_error: str | None
    firmware_before: str | None
    sent_at: datetime | None
    updated_at: datetime
