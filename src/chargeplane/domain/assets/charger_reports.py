"""What chargers report about themselves (boot, status, firmware, diagnostics, liveness).

Version-neutral: OCPP 1.6 and 2.0.1 adapters both call these.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, select, update

from chargeplane.db import UnitOfWork
from chargeplane.db.base import new_id
from chargeplane.domain.assets.events import ConnectorStatusChanged, FirmwareStatusReported
from chargeplane.domain.assets.models import ChargePoint, Connector, StatusChange
from chargeplane.domain.assets.service import register_charge_point
from chargeplane.domain.errors import NotFound

STATUS_CHANGES: Table = StatusChange.__table__  # type: ignore[assignment]
CHARGE_POINTS: Table = ChargePoint.__table__  # type: ignore[assignment]
CONNECTORS: Table = Connector.__table__  # type: ignore[assignment]

BOOT_STATUS_FOR_REGISTRATION = {"accepted": "Accepted", "pending": "Pending", "rejected": "Rejected"}


@dataclass(frozen=True, slots=True)
class ChargerCredentials:
    """What the handshake needs to know about an identity (found with an installation scope)."""

    charge_point_id: uuid.UUID
    tenant_id: uuid.UUID
    identity: str
    password_hash: str
    boot_status: str | None
    registration_status: str


def find_credentials(uow: UnitOfWork, *, identity: str) -> ChargerCredentials | None:
    row = uow.session.execute(
        select(ChargePoint.id, ChargePoint.tenant_id, ChargePoint.password_hash, ChargePoint.boot_status,
               ChargePoint.registration_status).where(ChargePoint.identity == identity)
    ).first()
    if row is None:
        return None
    return ChargerCredentials(row.id, row.tenant_id, identity, row.password_hash, row.boot_status,
                              row.registration_status)


def auto_register(uow: UnitOfWork, *, identity: str, password_hash: str) -> ChargerCredentials:
    """An unknown charger at a tenant's own URL becomes a Pending charge point of that tenant."""
    cp = register_charge_point(uow, identity=identity, password_hash=password_hash, registration_status="pending")
    return ChargerCredentials(cp.id, cp.tenant_id, identity, password_hash, None, "pending")


@dataclass(frozen=True, slots=True)
class BootInfo:
    vendor: str
    model: str
    serial_number: str | None = None
    charge_box_serial_number: str | None = None
    firmware_version: str | None = None
    iccid: str | None = None
    imsi: str | None = None
    meter_type: str | None = None
    meter_serial_number: str | None = None


def record_boot(uow: UnitOfWork, *, charge_point_id: uuid.UUID, info: BootInfo, at: datetime) -> str:
    """Store what the charger says it is; answer with the operator's decision (Accepted/Pending/Rejected)."""
    cp = uow.session.get(ChargePoint, charge_point_id)
    if cp is None:
        raise NotFound("charge point not found")
    for field in BootInfo.__slots__:
        setattr(cp, field, getattr(info, field))
    status = BOOT_STATUS_FOR_REGISTRATION[cp.registration_status]
    cp.boot_status = status
    cp.last_boot_at = at
    cp.last_seen_at = at
    return status


def record_status(
    uow: UnitOfWork,
    *,
    charge_point_id: uuid.UUID,
    connector_id: int,
    status: str,
    error_code: str,
    status_at: datetime,
    received_at: datetime,
    info: str | None = None,
    vendor_id: str | None = None,
    vendor_error_code: str | None = None,
) -> None:
    """Keep every report as history; let the connector's current status move only forward in time,
    so that a replayed old report does not overwrite a newer one. The event tells of the report; its
    `at` says whether it is older than what a listener already knows."""
    details = {"status": status, "error_code": error_code, "info": info, "vendor_id": vendor_id,
               "vendor_error_code": vendor_error_code}
    uow.insert_later(STATUS_CHANGES, [{"charge_point_id": charge_point_id, "connector_id": connector_id,
                                       "status_at": status_at, "received_at": received_at, **details}])
    # A charger's clock may run ahead: a report counts as no later than its arrival, or one stamped in the
    # future would hide every true report until then.
    status_at = min(status_at, received_at)
    # Batched with the other reports: insert, or update unless the stored status is newer.
    uow.upsert_later(CONNECTORS, [{"id": new_id(), "charge_point_id": charge_point_id, "connector_id": connector_id,
                                   "status_at": status_at, "updated_at": received_at, **details}],
                     key=("charge_point_id", "connector_id"), unless_older_by="status_at")
    uow.publish(ConnectorStatusChanged(uow.tenant_id, charge_point_id, connector_id, status, error_code, status_at))


def record_firmware_status(uow: UnitOfWork, *, charge_point_id: uuid.UUID, status: str, at: datetime) -> None:
    uow.session.execute(update(ChargePoint).where(ChargePoint.id == charge_point_id)
                        .values(firmware_status=status, firmware_status_at=at))
    uow.publish(FirmwareStatusReported(uow.tenant_id, charge_point_id, status, at))


def record_diagnostics_status(uow: UnitOfWork, *, charge_point_id: uuid.UUID, status: str, at: datetime) -> None:
    uow.session.execute(update(ChargePoint).where(ChargePoint.id == charge_point_id)
                        .values(diagnostics_status=status, diagnostics_status_at=at))


def record_seen(uow: UnitOfWork, *, charge_point_id: uuid.UUID, at: datetime) -> None:
    """Every connected charger does this about once a minute: batched with the others."""
    uow.update_later(CHARGE_POINTS, [{"id": charge_point_id, "last_seen_at": at}], columns=("last_seen_at",))


def record_connection(uow: UnitOfWork, *, charge_point_id: uuid.UUID, connected: bool, at: datetime) -> None:
    values = {"connected_at": at} if connected else {"disconnected_at": at}
    uow.session.execute(update(ChargePoint).where(ChargePoint.id == charge_point_id)
                        .values(last_seen_at=at, **values))
