from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chargeplane.domain.text import Text

RegistrationStatus = Literal["accepted", "pending", "rejected"]


_OWNER = "the owning account: one you may see; tenant staff may leave it out (the tenant's own)"


class SiteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)
    address: Text | None = Field(default=None, max_length=500)
    time_zone: Text = Field(default="UTC", max_length=64, description="IANA, such as Europe/Tallinn")
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    account_id: uuid.UUID | None = Field(default=None, description=_OWNER)


class SiteUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text | None = Field(default=None, min_length=1, max_length=200)
    address: Text | None = Field(default=None, max_length=500)
    time_zone: Text | None = Field(default=None, max_length=64)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    account_id: uuid.UUID | None = Field(default=None, description=_OWNER)


class SiteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    address: str | None
    time_zone: str
    latitude: float | None
    longitude: float | None
    account_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class ChargePointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identity: Text = Field(min_length=1, max_length=48, description="the OCPP identity (the last URL segment)")
    password: Text | None = Field(
        default=None, min_length=8, max_length=64,
        description="Basic auth password; when left out one is generated and returned once",
    )
    name: Text | None = Field(default=None, max_length=200)
    site_id: uuid.UUID | None = None
    registration_status: RegistrationStatus = "accepted"
    account_id: uuid.UUID | None = Field(default=None, description=_OWNER)
    community: bool = Field(default=False, description="usable by everyone in its account's tree")
    public: bool = Field(default=False, description="usable by anyone")


class ChargePointUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text | None = Field(default=None, max_length=200)
    site_id: uuid.UUID | None = None
    registration_status: RegistrationStatus | None = None
    password: Text | None = Field(default=None, min_length=8, max_length=64)
    account_id: uuid.UUID | None = Field(default=None, description=_OWNER)
    community: bool | None = None
    public: bool | None = None


class ConnectorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    connector_id: int
    status: str
    error_code: str
    info: str | None
    vendor_id: str | None
    vendor_error_code: str | None
    status_at: datetime


class ChargePointRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    identity: str
    name: str | None
    site_id: uuid.UUID | None
    account_id: uuid.UUID | None
    community: bool
    public: bool
    registration_status: RegistrationStatus
    boot_status: str | None
    connected: bool = False
    last_seen_at: datetime | None
    last_boot_at: datetime | None
    vendor: str | None
    model: str | None
    serial_number: str | None
    charge_box_serial_number: str | None
    firmware_version: str | None
    iccid: str | None
    imsi: str | None
    meter_type: str | None
    meter_serial_number: str | None
    firmware_status: str | None
    diagnostics_status: str | None
    connectors: list[ConnectorRead]
    created_at: datetime
    updated_at: datetime


class ChargePointCreated(ChargePointRead):
    password: str | None = Field(default=None, description="the generated password, shown this once")
