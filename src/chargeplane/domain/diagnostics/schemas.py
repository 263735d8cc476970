from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

DiagnosticsStatus = Literal["requested", "accepted", "failed", "uploading", "uploaded", "upload_failed"]


class DiagnosticsCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_time: AwareDatetime | None = Field(default=None, description="the oldest log entries wanted")
    stop_time: AwareDatetime | None = Field(default=None, description="the newest log entries wanted")
    retries: int | None = Field(default=None, ge=0, le=10)
    retry_interval: int | None = Field(default=None, ge=0, le=3600, description="seconds")


class DiagnosticsRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    charge_point_id: uuid.UUID
    account_id: uuid.UUID | None
    status: DiagnosticsStatus
    failure: str | None
    start_time: datetime | None
    stop_time: datetime | None
    charger_file_name: str | None = Field(description="the file name the charger said it would upload")
    file_name: str | None
    content_type: str | None
    size: int | None
    sha256: str | None
    requested_by: str | None
    created_at: datetime
    uploaded_at: datetime | None
    download_url: str | None = None
