"""Events about chargers, published after the unit that caused them committed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ChargePointChanged:
    tenant_id: uuid.UUID
    charge_point_id: uuid.UUID
    registration_status: str | None
    password_changed: bool
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class ChargePointConnected:
    tenant_id: uuid.UUID
    charge_point_id: uuid.UUID
    identity: str
    at: datetime
    replaced_connection: bool


@dataclass(frozen=True, slots=True)
class ChargePointDisconnected:
    tenant_id: uuid.UUID
    charge_point_id: uuid.UUID
    identity: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ConnectorStatusChanged:
    tenant_id: uuid.UUID
    charge_point_id: uuid.UUID
    connector_id: int
    status: str
    error_code: str
    at: datetime


@dataclass(frozen=True, slots=True)
class FirmwareStatusReported:
    tenant_id: uuid.UUID
    charge_point_id: uuid.UUID
    status: str
    at: datetime
