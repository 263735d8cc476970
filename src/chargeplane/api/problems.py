"""RFC 9457 problem details for every error the API returns; nothing leaves as a bare 500."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from chargeplane.bus import (
    ChargerBusy,
    ChargerCallError,
    ChargerCallFailed,
    ChargerNotConnected,
    ChargerPending,
    ChargerRejected,
    ChargerReplyInvalid,
    ChargerTimeout,
    InvalidCommand,
)
from chargeplane.db.tenancy import TenancyError
from chargeplane.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    Invalid,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://chargeplane.dev/problems/"
MEDIA_TYPE = "application/problem+json"


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


def problem(status: int, slug: str, detail: str | None, request: Request, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


class ApiError(Exception):
    def __init__(self, status: int, slug: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.slug, self.detail = status, slug, detail


_DOMAIN_STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404), (Conflict, 409), (Invalid, 422), (Forbidden, 403), (Unauthenticated, 401), (Gone, 410),
    (TooManyAttempts, 429),
]
_CHARGER_STATUS: list[tuple[type[ChargerCallFailed], int, str]] = [
    (InvalidCommand, 422, "invalid-command"),
    (ChargerNotConnected, 409, "charger-not-connected"),
    (ChargerRejected, 409, "charger-rejected"),
    (ChargerPending, 409, "charger-pending"),
    (ChargerBusy, 409, "charger-busy"),
    (ChargerTimeout, 504, "charger-timeout"),
    (ChargerCallError, 502, "charger-call-error"),
    (ChargerReplyInvalid, 502, "charger-reply-invalid"),
]


def domain_status(exc: DomainError) -> int:
    """The HTTP status of a domain error (the portal answers with the same)."""
    return next((s for cls, s in _DOMAIN_STATUS if isinstance(exc, cls)), 400)


def _is_data_error(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return isinstance(exc, DataError) or (isinstance(sqlstate, str) and sqlstate.startswith("22"))


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return problem(exc.status, exc.slug, exc.detail, request)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        status = domain_status(exc)
        extra = {"field": exc.details["field"]} if "field" in exc.details else {}
        response = problem(status, exc.code.replace("_", "-"), exc.message, request, **extra)
        if isinstance(exc, TooManyAttempts):
            response.headers["Retry-After"] = str(exc.details.get("retry_after", 60))
        return response

    @app.exception_handler(ChargerCallFailed)
    async def _charger(request: Request, exc: ChargerCallFailed) -> JSONResponse:
        status, slug = next(((s, slug) for cls, s, slug in _CHARGER_STATUS if isinstance(exc, cls)),
                            (502, "charger-failed"))
        extra: dict[str, Any] = {}
        if isinstance(exc, ChargerCallError):
            extra = {"ocpp_error_code": exc.code, "ocpp_error_description": exc.description,
                     "ocpp_error_details": exc.details}
        if isinstance(exc, InvalidCommand) and exc.field:
            extra = {"field": exc.field}
        return problem(status, slug, str(exc), request, **extra)

    @app.exception_handler(TenancyError)
    async def _tenancy(request: Request, exc: TenancyError) -> JSONResponse:
        # The gate caught what a route should have refused first: refuse, and say so in the log.
        log.warning("tenancy gate refused %s %s: %s", request.method, request.url.path, exc)
        return problem(403, "forbidden", "that object is outside what you may see or change", request)

    @app.exception_handler(DBAPIError)
    async def _data(request: Request, exc: DBAPIError) -> JSONResponse:
        # What validation let through and the database refuses as data (SQLSTATE class 22): a NUL
        # character PostgreSQL cannot hold, a number beyond a column's range. The caller's input.
        if not _is_data_error(exc):
            return await _unexpected(request, exc)
        log.info("database refused a value on %s %s: %s", request.method, request.url.path, type(exc.orig).__name__)
        return problem(422, "unstorable-value", "a value cannot be stored: a NUL character, or a number out of "
                       "range", request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
                  for e in exc.errors()]
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
        return problem(422, "validation-error", detail, request, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {404: "not-found", 405: "method-not-allowed", 401: "unauthorized"}.get(exc.status_code, "http-error")
        return problem(exc.status_code, slug, str(exc.detail), request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, "internal-error", "an unexpected error occurred; it has been logged", request)
