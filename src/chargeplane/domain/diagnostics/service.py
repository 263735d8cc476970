"""Diagnostics requests: created with a secret upload address, answered by the charger, fed by its
status notifications, completed by its upload."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.service import get_charge_point
from chargeplane.domain.audit.service import record
from chargeplane.domain.diagnostics.models import DiagnosticsFile, DiagnosticsRequest
from chargeplane.domain.errors import Gone, Invalid, NotFound
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.secrets import digest, new_secret

UPLOAD_PREFIX = "cpd"
# DiagnosticsStatusNotification's statuses, as the request's progress.
_PROGRESS = {"Uploading": "uploading", "Uploaded": "uploaded", "UploadFailed": "upload_failed"}
_OPEN = ("requested", "accepted", "uploading")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def request_diagnostics(uow: UnitOfWork, *, charge_point_id: uuid.UUID, start_time: datetime | None,
                        stop_time: datetime | None, actor: Principal, now: datetime) -> tuple[DiagnosticsRequest, str]:
    """A new request and its upload secret (handed out once, in the address sent to the charger)."""
    cp = get_charge_point(uow, charge_point_id)
    if start_time and stop_time and stop_time <= start_time:
        raise Invalid("stop_time must be after start_time", field="stop_time")
    secret = new_secret(UPLOAD_PREFIX)
    row = DiagnosticsRequest(account_id=cp.account_id, charge_point_id=cp.id, upload_token_hash=digest(secret),
                             status="requested", start_time=start_time, stop_time=stop_time,
                             requested_by=actor.label, created_at=now, updated_at=now)
    uow.session.add(row)
    uow.session.flush()
    record(uow, actor=actor, action="diagnostics.requested", object_type="charge_point", object_id=cp.id, at=now,
           account_id=cp.account_id, after={"diagnostics_id": str(row.id)})
    return row, secret


def get_request(uow: UnitOfWork, request_id: uuid.UUID) -> DiagnosticsRequest:
    row = uow.session.get(DiagnosticsRequest, request_id)
    if row is None:
        raise NotFound("diagnostics request not found")
    return row


def record_answer(uow: UnitOfWork, *, request_id: uuid.UUID, file_name: str | None, failure: str | None,
                  now: datetime) -> DiagnosticsRequest:
    row = get_request(uow, request_id)
    if failure is not None:
        row.status, row.failure = "failed", failure[:300]
    elif row.status == "requested":
        row.status, row.charger_file_name = "accepted", (file_name or None)
    row.updated_at = now
    return row


def record_progress(uow: UnitOfWork, *, charge_point_id: uuid.UUID, status: str, at: datetime) -> None:
    """A DiagnosticsStatusNotification: the charger's newest open request moves on (Idle says nothing)."""
    progress = _PROGRESS.get(status)
    if progress is None:
        return
    row = uow.session.scalar(select(DiagnosticsRequest).where(
        DiagnosticsRequest.charge_point_id == charge_point_id, DiagnosticsRequest.status.in_(_OPEN))
        .order_by(DiagnosticsRequest.created_at.desc()).limit(1))
    if row is None:
        return
    if progress == "uploaded" and row.uploaded_at is None:
        progress = "uploading"  # the charger says done, the file has not arrived (yet): wait for it
    row.status, row.updated_at = progress, at


def locate_upload(uow: UnitOfWork, *, secret: str) -> tuple[uuid.UUID, uuid.UUID]:
    """(tenant, request) of an upload address; installation scope: the secret names its tenant."""
    row = uow.session.scalar(select(DiagnosticsRequest).where(DiagnosticsRequest.upload_token_hash == digest(secret)))
    if row is None:
        raise NotFound("no diagnostics upload is expected at this address")
    if row.uploaded_at is not None or row.status in ("failed", "upload_failed"):
        raise Gone("this upload address was used already or is closed")
    return row.tenant_id, row.id


def store_upload(uow: UnitOfWork, *, secret: str, file_name: str | None, content_type: str | None, content: bytes,
                 now: datetime) -> DiagnosticsRequest:
    row = uow.session.scalar(select(DiagnosticsRequest).where(DiagnosticsRequest.upload_token_hash == digest(secret)))
    if row is None:
        raise NotFound("no diagnostics upload is expected at this address")
    if row.uploaded_at is not None:
        raise Gone("this upload address was used already")
    name = _SAFE_NAME.sub("_", file_name or row.charger_file_name or f"diagnostics-{row.id}")[:255] or "diagnostics"
    row.file_name, row.content_type = name, (content_type or "application/octet-stream")[:100]
    row.size, row.sha256 = len(content), hashlib.sha256(content).hexdigest()
    row.uploaded_at, row.updated_at, row.status = now, now, "uploaded"
    uow.session.add(DiagnosticsFile(request_id=row.id, content=content))
    return row


def file_of(uow: UnitOfWork, request_id: uuid.UUID) -> tuple[DiagnosticsRequest, bytes]:
    row = get_request(uow, request_id)
    stored = uow.session.scalar(select(DiagnosticsFile).where(DiagnosticsFile.request_id == row.id))
    if stored is None:
        raise NotFound("the charger has not uploaded this file (yet)")
    return row, stored.content


def list_requests(uow: UnitOfWork, *, charge_point_id: uuid.UUID | None, limit: int,
                  after: tuple[datetime, uuid.UUID] | None) -> list[DiagnosticsRequest]:
    query = select(DiagnosticsRequest)
    if charge_point_id is not None:
        query = query.where(DiagnosticsRequest.charge_point_id == charge_point_id)
    return list(uow.session.scalars(newest_first(query, DiagnosticsRequest, limit=limit, after=after)))
