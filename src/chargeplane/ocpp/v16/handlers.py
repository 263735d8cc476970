"""Inbound OCPP 1.6 CALLs: thin adapters from a 1.6 payload to the domain and back.

Each runs inside the unit of work that also records the exchange; the schema check has passed.
"""

from __future__ import annotations

from typing import Any

from chargeplane.db import UnitOfWork
from chargeplane.domain.alarms import charger_alarms
from chargeplane.domain.assets import charger_reports
from chargeplane.domain.diagnostics import service as diagnostics
from chargeplane.domain.firmware import service as firmware_campaigns
from chargeplane.domain.sessions import service as sessions
from chargeplane.domain.sessions.meter_values import record_meter_values
from chargeplane.domain.sessions.readings import MeterReading
from chargeplane.domain.tokens.authorization import Authorization, authorize_token
from chargeplane.ocpp.adapter import CallContext, Handler
from chargeplane.ocpp.errors import PROPERTY_CONSTRAINT_VIOLATION, TYPE_CONSTRAINT_VIOLATION, CallErrorReply
from chargeplane.ocpp.timestamps import format_time, parse_time

# JSON integers are unbounded; what is stored is not. Ids are 32-bit integers (OCPP 1.6 §7), meter
# registers and the transaction ids chargers report are kept in 64 bits.
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

ID_TAG_STATUS = {"accepted": "Accepted", "blocked": "Blocked", "expired": "Expired", "invalid": "Invalid",
                 "concurrent_tx": "ConcurrentTx"}


def _id_tag_info(auth: Authorization) -> dict[str, Any]:
    info: dict[str, Any] = {"status": ID_TAG_STATUS[auth.status]}
    if auth.expires_at is not None:
        info["expiryDate"] = format_time(auth.expires_at)
    if auth.parent_uid is not None:
        info["parentIdTag"] = auth.parent_uid
    return info


def _integer(payload: dict[str, Any], field: str, *, maximum: int = INT64_MAX) -> int:
    value = payload[field]
    if not -maximum - 1 <= value <= maximum:
        raise CallErrorReply(TYPE_CONSTRAINT_VIOLATION, f"{field} is out of range", {"field": field})
    return int(value)


def _optional_integer(payload: dict[str, Any], field: str, *, maximum: int = INT64_MAX) -> int | None:
    return _integer(payload, field, maximum=maximum) if payload.get(field) is not None else None


def _connector(payload: dict[str, Any], *, minimum: int) -> int:
    value = _integer(payload, "connectorId", maximum=INT32_MAX)
    if value < minimum:
        raise CallErrorReply(PROPERTY_CONSTRAINT_VIOLATION, f"connectorId must be at least {minimum}",
                             {"field": "connectorId"})
    return value


def _readings(meter_values: list[dict[str, Any]], field: str) -> list[MeterReading]:
    # 1.6's sampledValue is the domain's neutral shape, and the schema admitted no other keys.
    return [MeterReading(parse_time(mv["timestamp"], f"{field}.timestamp"), mv["sampledValue"])
            for mv in meter_values]


def boot_notification(ctx: CallContext, uow: UnitOfWork, p: dict[str, Any]) -> dict[str, Any]:
    info = charger_reports.BootInfo(
        vendor=p["chargePointVendor"], model=p["chargePointModel"], serial_number=p.get("chargePointSerialNumber"),
        charge_box_serial_number=p.get("chargeBoxSerialNumber"), firmware_version=p.get("firmwareVersion"),
        iccid=p.get("iccid"), imsi=p.get("imsi"), meter_type=p.get("meterType"),
        meter_serial_number=p.get("meterSerialNumber"),
    )
    status = charger_reports.record_boot(uow, charge_point_id=ctx.charge_point_id, info=info, at=ctx.received_at)
    charger_alarms.boot_answered(uow, charge_point_id=ctx.charge_point_id, status=status, at=ctx.received_at,
                                 base_url=ctx.settings.base_url)
    # A boot means the charger restarted: whatever it was charging is interrupted.
    sessions.interrupt_open_sessions(uow, charge_point_id=ctx.charge_point_id, at=ctx.received_at,
                                     known=ctx.known_sessions)
    uow.after_commit(lambda: ctx.set_boot_status(status))
    interval = {
        "Accepted": ctx.settings.ocpp_heartbeat_interval,
        "Pending": ctx.settings.ocpp_pending_retry_interval,
        "Rejected": ctx.settings.ocpp_rejected_retry_interval,
    }[status]
    return {"status": status, "currentTime": format_time(ctx.received_at), "interval": interval}


def heartbeat(ctx: CallContext, uow: UnitOfWork, p: dict[str, Any]) -> dict[str, Any]:
    return {"currentTime": format_time(ctx.received_at)}


def status_notification(ctx: CallContext, uow: UnitOfWork, p: dict[str, Any]) -> dict[str, Any]:
    at = parse_time(p["timestamp"], "timestamp") if "timestamp" in p else ctx.received_at
    charger_reports.record_status(
        uow, charge_point_id=ctx.charge_point_id, connector_id=_connector(p, minimum=0), status=p["status"],
        error_code=p["errorCode"], status_at=at, received_at=ctx.received_at, info=p.get("info"),
        vendor_id=p.get("vendorId"), vendor_error_code=p.get("vendorErrorCode"),
    )
    return {}


def authorize(ctx: CallContext, uow: UnitOfWork, p: dict[str, Any]) -> dict[str, Any]:
    # Restricted and virtual cards are answered for this charge point; a virtual card's remote start
    # stays open here, for the StartTransaction that follows.
    auth = authorize_token(uow, uid=p["idTag"], at=ctx.received_at, charge_point_id=ctx.charge_point_id)
    return {"idTagInfo": _id_tag_info(auth)}


def start_transaction(ctx: CallContext, uow: UnitOfWork, p: dict[str, Any]) -> dict[str, Any]:
    result = sessions.start_session(
        uow, charge_point_id=ctx.charge_point_id, connector_id=_connector(p, minimum=1), id_tag=p["idTag"],
        meter_start_wh=_integer(p, "meterStart"), started_at=parse_time(p["timestamp"], "timestamp"),
        received_at=ctx.received_at, reservation_id=_optional_integer(p, "reservationId", maximum=INT32_MAX),
        known=ctx.known_sessions,
    )
    return {"transactionId": result.transaction_id, "idTagInfo": _id_tag_info(result.authorization)}


def stop_transaction(ctx: CallContext, uow: UnitOfWork, p: dict[str, Any]) -> dict[str, Any]:
    data = _readings(p.get("transactionData", []), "transactionData")
    result = sessions.stop_session(
        uow, charge_point_id=ctx.charge_point_id, transaction_id=_integer(p, "transactionId"),
        meter_stop_wh=_integer(p, "meterStop"),
        stopped_at=parse_time(p["timestamp"], "timestamp"), received_at=ctx.received_at, id_tag=p.get("idTag"),
        reason=p.get("reason"), transaction_data=data, known=ctx.known_sessions,
    )
    return {"idTagInfo": _id_tag_info(result.authorization)} if result.authorization else {}


def meter_values(ctx: CallContext, uow: UnitOfWork, p: dict[str, Any]) -> dict[str, Any]:
    record_meter_values(
        uow, charge_point_id=ctx.charge_point_id, connector_id=_connector(p, minimum=0),
        transaction_id=_optional_integer(p, "transactionId"), readings=_readings(p["meterValue"], "meterValue"),
        received_at=ctx.received_at, known=ctx.known_sessions,
    )
    return {}


def data_transfer(ctx: CallContext, uow: UnitOfWork, p: dict[str, Any]) -> dict[str, Any]:
    # No vendor extensions are installed; the message itself is kept in the message log.
    return {"status": "UnknownVendorId"}


def diagnostics_status_notification(ctx: CallContext, uow: UnitOfWork, p: dict[str, Any]) -> dict[str, Any]:
    charger_reports.record_diagnostics_status(uow, charge_point_id=ctx.charge_point_id, status=p["status"],
                                              at=ctx.received_at)
    diagnostics.record_progress(uow, charge_point_id=ctx.charge_point_id, status=p["status"], at=ctx.received_at)
    return {}


def firmware_status_notification(ctx: CallContext, uow: UnitOfWork, p: dict[str, Any]) -> dict[str, Any]:
    charger_reports.record_firmware_status(uow, charge_point_id=ctx.charge_point_id, status=p["status"],
                                           at=ctx.received_at)
    charger_alarms.firmware_reported(uow, charge_point_id=ctx.charge_point_id, status=p["status"],
                                     at=ctx.received_at, base_url=ctx.settings.base_url)
    firmware_campaigns.record_progress(uow, charge_point_id=ctx.charge_point_id, status=p["status"],
                                       at=ctx.received_at)
    return {}


def security_event_notification(ctx: CallContext, uow: UnitOfWork, p: dict[str, Any]) -> dict[str, Any]:
    charger_alarms.security_event(uow, charge_point_id=ctx.charge_point_id, kind=str(p.get("type", "")),
                                  tech_info=p.get("techInfo"), at=ctx.received_at, base_url=ctx.settings.base_url)
    return {}


HANDLERS: dict[str, Handler] = {
    "BootNotification": boot_notification,
    "Heartbeat": heartbeat,
    "StatusNotification": status_notification,
    "Authorize": authorize,
    "StartTransaction": start_transaction,
    "StopTransaction": stop_transaction,
    "MeterValues": meter_values,
    "DataTransfer": data_transfer,
    "DiagnosticsStatusNotification": diagnostics_status_notification,
    "FirmwareStatusNotification": firmware_status_notification,
    "SecurityEventNotification": security_event_notification,
}
