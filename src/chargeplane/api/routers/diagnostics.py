"""Diagnostics: ask a charger for its logs (GetDiagnostics) with an upload address of our own,
receive the upload, and let operators download it.

The upload address (`/api/v1/diagnostics/uploads/{secret}`, optionally followed by a file name,
which some chargers append) takes the file by HTTP PUT, or POST as a raw body or a multipart form
with a `file` field. Its secret alone authorises the upload, once."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, ServicesDep, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.api.problems import ApiError, Problem
from chargeplane.bus.errors import ChargerCallFailed
from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.assets.commands import record_command
from chargeplane.domain.diagnostics import service
from chargeplane.domain.diagnostics.models import DiagnosticsRequest
from chargeplane.domain.diagnostics.schemas import DiagnosticsCreate, DiagnosticsRead
from chargeplane.domain.identity.permissions import Action, Resource

router = APIRouter(tags=["diagnostics"])

Command = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.COMMAND))]
Read = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.READ))]
UPLOADS = "/diagnostics/uploads"


def _read(row: DiagnosticsRequest) -> DiagnosticsRead:
    read = DiagnosticsRead.model_validate(row)
    if row.uploaded_at is not None:
        read.download_url = f"/api/v1/diagnostics/{row.id}/file"
    return read


def _ocpp_time(value: Any) -> str:
    return str(value.astimezone(UTC).isoformat())


@router.post("/charge-points/{charge_point_id}/diagnostics", response_model=DiagnosticsRead, status_code=201,
             operation_id="request_diagnostics",
             responses={409: {"model": Problem, "description": "the charger is not connected"},
                        504: {"model": Problem, "description": "the charger did not answer in time"}})
async def request_diagnostics(charge_point_id: uuid.UUID, t: Command, response: Response,
                              body: DiagnosticsCreate | None = None) -> DiagnosticsRead:
    """Send GetDiagnostics with an upload address of this server's; the charger's answer names the file
    it will upload. Follow the request's `status` (uploading, uploaded) and download the file when it is in."""
    body = body or DiagnosticsCreate()
    now, base = t.services.clock.now(), t.services.settings.base_url

    def create(uow: UnitOfWork) -> tuple[uuid.UUID, dict[str, Any]]:
        row, secret = service.request_diagnostics(uow, charge_point_id=charge_point_id, start_time=body.start_time,
                                                  stop_time=body.stop_time, actor=t.principal, now=now)
        payload: dict[str, Any] = {"location": f"{base}/api/v1{UPLOADS}/{secret}"}
        for name, value in (("startTime", body.start_time), ("stopTime", body.stop_time)):
            if value is not None:
                payload[name] = _ocpp_time(value)
        for name, number in (("retries", body.retries), ("retryInterval", body.retry_interval)):
            if number is not None:
                payload[name] = number
        record_command(uow, charge_point_id=charge_point_id, command="get-diagnostics",
                       payload={**payload, "location": f"{base}/api/v1{UPLOADS}/***"}, actor=t.principal, now=now)
        return row.id, payload

    request_id, payload = await t.write(create)
    try:
        answer = await t.services.bus.gateway.call(charge_point_id, "GetDiagnostics", payload)
    except ChargerCallFailed as exc:
        failure = f"{type(exc).__name__}: {exc}"
        await t.write(lambda uow: service.record_answer(uow, request_id=request_id, file_name=None, failure=failure,
                                                        now=t.services.clock.now()))
        raise
    row = await t.write(lambda uow: _read(service.record_answer(
        uow, request_id=request_id, file_name=answer.get("fileName"), failure=None, now=t.services.clock.now())))
    response.headers["Location"] = f"/api/v1/diagnostics/{row.id}"
    return row


@router.get("/diagnostics", response_model=Page[DiagnosticsRead], operation_id="list_diagnostics")
async def list_diagnostics(t: Read, charge_point_id: uuid.UUID | None = None, limit: Limit = DEFAULT_LIMIT,
                           cursor: Cursor = None) -> dict[str, Any]:
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: [_read(row) for row in service.list_requests(
        uow, charge_point_id=charge_point_id, limit=limit, after=after)])
    return page(rows, rows, limit)


@router.get("/diagnostics/{request_id}", response_model=DiagnosticsRead, operation_id="get_diagnostics")
async def get_diagnostics(request_id: uuid.UUID, t: Read) -> DiagnosticsRead:
    return await t.read(lambda uow: _read(service.get_request(uow, request_id)))


@router.get("/diagnostics/{request_id}/file", operation_id="download_diagnostics",
            response_class=Response, responses={200: {"content": {"application/octet-stream": {}}}})
async def download_diagnostics(request_id: uuid.UUID, t: Read) -> Response:
    def read(uow: UnitOfWork) -> tuple[str, str, bytes]:
        row, content = service.file_of(uow, request_id)
        return row.file_name or "diagnostics", row.content_type or "application/octet-stream", content

    name, content_type, content = await t.read(read)
    return Response(content, media_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def _body(request: Request, limit: int) -> tuple[bytes, str | None, str | None]:
    """The uploaded bytes (raw body, or a multipart form's `file`), refusing more than `limit`."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "too-large", f"diagnostics files are limited to {limit} bytes")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_part_size=limit)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ApiError(422, "no-file", "the multipart form has no `file` field")
        data = await upload.read(limit + 1)
        name, part_type = upload.filename, upload.content_type
    else:
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ApiError(413, "too-large", f"diagnostics files are limited to {limit} bytes")
            chunks.append(chunk)
        data, name, part_type = b"".join(chunks), None, content_type or None
    if len(data) > limit:
        raise ApiError(413, "too-large", f"diagnostics files are limited to {limit} bytes")
    return data, name, part_type


async def _receive(secret: str, file_name: str | None, request: Request, services: ServicesDep) -> JSONResponse:
    now = services.clock.now()
    tenant_id, _ = await services.db.read(Scope.installation("a diagnostics upload names its request"),
                                          lambda uow: service.locate_upload(uow, secret=secret))
    data, part_name, content_type = await _body(request, services.settings.diagnostics_max_bytes)
    row = await services.db.write(Scope.tenant(tenant_id), lambda uow: _read(service.store_upload(
        uow, secret=secret, file_name=file_name or part_name, content_type=content_type, content=data, now=now)))
    return JSONResponse({"received": row.size, "sha256": row.sha256}, status_code=201)


@router.api_route(UPLOADS + "/{secret}", methods=["PUT", "POST"], include_in_schema=False)
async def upload(secret: str, request: Request, services: ServicesDep) -> JSONResponse:
    return await _receive(secret, None, request, services)


@router.api_route(UPLOADS + "/{secret}/{file_name}", methods=["PUT", "POST"], include_in_schema=False)
async def upload_named(secret: str, file_name: str, request: Request, services: ServicesDep) -> JSONResponse:
    return await _receive(secret, file_name, request, services)
