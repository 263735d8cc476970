"""Which domain events become which webhook event types, and what their `data` holds (schema
version 1). The envelope: {"id", "type", "version", "created_at", "data"}."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from chargeplane.domain.alarms.events import AlarmChanged
from chargeplane.domain.assets.events import (
    ChargePointConnected,
    ChargePointDisconnected,
    ConnectorStatusChanged,
    FirmwareStatusReported,
)
from chargeplane.domain.sessions.events import SessionMetered, SessionStarted, SessionStopped

SCHEMA_VERSION: Final = 1


def _iso(value: datetime) -> str:
    return value.isoformat()


def _ids(**values: uuid.UUID | None) -> dict[str, str | None]:
    return {name: str(value) if value else None for name, value in values.items()}


Builder = Callable[[Any], tuple[str, dict[str, Any]]]

BUILDERS: Final[dict[type, Builder]] = {
    ChargePointConnected: lambda e: ("charger.connected", {
        **_ids(charge_point_id=e.charge_point_id), "identity": e.identity, "at": _iso(e.at),
        "replaced_connection": e.replaced_connection}),
    ChargePointDisconnected: lambda e: ("charger.disconnected", {
        **_ids(charge_point_id=e.charge_point_id), "identity": e.identity, "at": _iso(e.at)}),
    ConnectorStatusChanged: lambda e: ("charger.status_changed", {
        **_ids(charge_point_id=e.charge_point_id), "connector_id": e.connector_id, "status": e.status,
        "error_code": e.error_code, "at": _iso(e.at)}),
    FirmwareStatusReported: lambda e: ("firmware.status_changed", {
        **_ids(charge_point_id=e.charge_point_id), "status": e.status, "at": _iso(e.at)}),
    SessionStarted: lambda e: ("session.started", {
        **_ids(session_id=e.session_id, charge_point_id=e.charge_point_id), "connector_id": e.connector_id,
        "transaction_id": e.transaction_id, "at": _iso(e.at)}),
    SessionMetered: lambda e: ("session.updated", {
        **_ids(session_id=e.session_id, charge_point_id=e.charge_point_id), "transaction_id": e.transaction_id,
        "energy_register_wh": e.energy_register_wh, "at": _iso(e.at)}),
    SessionStopped: lambda e: ("session.stopped", {
        **_ids(session_id=e.session_id, charge_point_id=e.charge_point_id), "transaction_id": e.transaction_id,
        "energy_wh": e.energy_wh, "status": e.status, "at": _iso(e.at)}),
    AlarmChanged: lambda e: (f"alarm.{e.change}", {
        **_ids(alarm_id=e.alarm_id, charge_point_id=e.charge_point_id), "cause": e.cause, "level": e.level,
        "at": _iso(e.at)}),
}
EVENT_TYPES: Final = (
    "charger.connected", "charger.disconnected", "charger.status_changed", "firmware.status_changed",
    "session.started", "session.updated", "session.stopped", "alarm.raised", "alarm.acknowledged",
    "alarm.resolved", "webhook.test",
)


def envelope(event_type: str, data: dict[str, Any], *, created_at: datetime,
             event_id: uuid.UUID | None = None) -> dict[str, Any]:
    return {"id": str(event_id or uuid.uuid4()), "type": event_type, "version": SCHEMA_VERSION,
            "created_at": _iso(created_at), "data": data}
