"""Batch imports of cards and sites as whole flows: reading the upload within its size limit,
parsing off the event loop, the lookups across scopes, and the one unit of work that adds every
row or none. The API's routes and the portal's pages both call these, so the two never differ."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, UploadFile
from fastapi.responses import JSONResponse

from chargeplane.api.deps import Tenancy
from chargeplane.api.problems import ApiError, Problem, problem
from chargeplane.domain.assets import site_import
from chargeplane.domain.errors import N_, Invalid
from chargeplane.domain.tabular import MAX_IMPORT_BYTES, ImportRejected
from chargeplane.domain.tokens import importing
from chargeplane.domain.tokens.schemas import ImportResult, ImportRowError

# What an import route answers besides 201, for the OpenAPI description.
IMPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"model": Problem, "description": "the file is too large"},
    422: {"model": Problem, "description": "nothing imported: `errors` lists each row's problems"},
}


class FileTooLarge(Invalid):
    """The upload is over `MAX_IMPORT_BYTES` (the API answers 413)."""

    def __init__(self) -> None:
        super().__init__(N_("the file is larger than %(maximum)s MiB"), field="file", maximum=MAX_IMPORT_BYTES // 2**20)


async def read_upload(file: UploadFile) -> bytes:
    """The uploaded file's bytes, reading no more than one byte past the limit."""
    content = await file.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        raise FileTooLarge()
    return content


async def api_upload(file: UploadFile) -> bytes:
    """`read_upload` for the API: too large is 413."""
    try:
        return await read_upload(file)
    except FileTooLarge as exc:
        raise ApiError(413, "file-too-large", exc.message) from None


def rejected_problem(request: Request, rejected: ImportRejected) -> JSONResponse:
    """The API's answer to a refused import: 422 with each row's problems."""
    errors = [ImportRowError(row=e.row, column=e.column, message=e.message).model_dump() for e in rejected.errors]
    return problem(422, "import-rejected", rejected.message, request, errors=errors)


async def api_import(request: Request, t: Tenancy, file: UploadFile, flow: Callable[..., Awaitable[int]]
                     ) -> ImportResult | JSONResponse:
    """An import route's whole answer: 201 with the count, 413 too large, 422 with each row's problems."""
    content = await api_upload(file)
    try:
        count = await flow(t, content=content, filename=file.filename, content_type=file.content_type)
    except ImportRejected as rejected:
        return rejected_problem(request, rejected)
    return ImportResult(imported=count)


async def import_cards(t: Tenancy, *, content: bytes, filename: str | None, content_type: str | None) -> int:
    """Add every card of the file, or none (`ImportRejected` says why, row by row)."""
    rows = await asyncio.to_thread(importing.read_rows, content, filename=filename, content_type=content_type)
    importing.check_rows(rows)
    # uids and contract ids are unique in the whole tenant: which of the file's exist is looked up past
    # the caller's accounts (only those values come back).
    existing = await t.services.db.read(t.scope.widened(), lambda uow: importing.taken(uow, rows))
    now = t.services.clock.now()
    return await t.write(lambda uow: importing.import_cards(uow, rows, existing=existing, actor=t.principal,
                                                            now=now, filename=filename))


async def import_sites(t: Tenancy, *, content: bytes, filename: str | None, content_type: str | None) -> int:
    """Add every site of the file, or none (`ImportRejected` says why, row by row)."""
    rows = await asyncio.to_thread(site_import.read_rows, content, filename=filename, content_type=content_type)
    now = t.services.clock.now()
    return await t.write(lambda uow: site_import.import_sites(uow, rows, actor=t.principal, now=now))
