from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.api.problems import ApiError, Problem, problem
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.tokens import importing, service
from chargeplane.domain.tokens.schemas import (
    IdTokenCreate,
    IdTokenRead,
    IdTokenUpdate,
    ImportResult,
    ImportRowError,
    TokenStatus,
)

router = APIRouter(prefix="/id-tokens", tags=["id tokens"])

CreateIdToken = Annotated[Tenancy, Depends(permit(Resource.ID_TOKEN, Action.CREATE))]
DeleteIdToken = Annotated[Tenancy, Depends(permit(Resource.ID_TOKEN, Action.DELETE))]
ReadIdToken = Annotated[Tenancy, Depends(permit(Resource.ID_TOKEN, Action.READ))]
UpdateIdToken = Annotated[Tenancy, Depends(permit(Resource.ID_TOKEN, Action.UPDATE))]


@router.post("", response_model=IdTokenRead, status_code=201, operation_id="create_id_token")
async def create_id_token(body: IdTokenCreate, t: CreateIdToken, response: Response) -> IdTokenRead:
    """A physical card by its uid, or a virtual (app-only) card whose uid is generated."""
    now = t.services.clock.now()
    token = await t.write(lambda uow: service.read_tokens(uow, [service.create_id_token(
        uow, **body.model_dump(), actor=t.principal, now=now)])[0])
    response.headers["Location"] = f"/api/v1/id-tokens/{token.id}"
    return token


@router.post(
    "/import", response_model=ImportResult, status_code=201, operation_id="import_id_tokens",
    responses={413: {"model": Problem, "description": "the file is too large"},
               422: {"model": Problem, "description": "nothing imported: `errors` lists each row's problems"}},
)
async def import_id_tokens(request: Request, t: CreateIdToken,
                           file: Annotated[UploadFile, File(description="CSV or XLSX; first row: column names")],
                           ) -> ImportResult | JSONResponse:
    """Import cards from a CSV or XLSX file: every row, or none. Columns (header row): uid, kind,
    status, expires_at, contract_id, label, user_email, account_id, parent_uid."""
    content = await file.read(importing.MAX_IMPORT_BYTES + 1)
    if len(content) > importing.MAX_IMPORT_BYTES:
        raise ApiError(413, "file-too-large", f"the file is larger than {importing.MAX_IMPORT_BYTES // 2**20} MiB")
    rows = await asyncio.to_thread(importing.read_rows, content, filename=file.filename,
                                   content_type=file.content_type)
    importing.check_rows(rows)
    # uids and contract ids are unique in the whole tenant: which of the file's exist is looked up past
    # the caller's accounts (only those values come back).
    existing = await t.services.db.read(t.scope.widened(), lambda uow: importing.taken(uow, rows))
    now = t.services.clock.now()
    try:
        count = await t.write(lambda uow: importing.import_cards(uow, rows, existing=existing, actor=t.principal,
                                                                 now=now, filename=file.filename))
    except importing.ImportRejected as rejected:
        errors = [ImportRowError(row=e.row, column=e.column, message=e.message).model_dump() for e in rejected.errors]
        return problem(422, "import-rejected", rejected.message, request, errors=errors)
    return ImportResult(imported=count)


@router.get("", response_model=Page[IdTokenRead], operation_id="list_id_tokens")
async def list_id_tokens(t: ReadIdToken, status: TokenStatus | None = None, uid: str | None = None,
                         user_id: uuid.UUID | None = None, account_id: uuid.UUID | None = None,
                         limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: service.read_tokens(uow, service.list_id_tokens(
        uow, status=status, uid=uid, user_id=user_id, account_id=account_id, limit=limit, after=after)))
    return page(rows, rows, limit)


@router.get("/{id_token_id}", response_model=IdTokenRead, operation_id="get_id_token")
async def get_id_token(id_token_id: uuid.UUID, t: ReadIdToken) -> IdTokenRead:
    return await t.read(lambda uow: service.read_tokens(uow, [service.get_id_token(uow, id_token_id)])[0])


@router.patch("/{id_token_id}", response_model=IdTokenRead, operation_id="update_id_token")
async def update_id_token(id_token_id: uuid.UUID, body: IdTokenUpdate, t: UpdateIdToken) -> IdTokenRead:
    """Block, unlink (`user_id: null`), relabel, restrict... A card's uid and kind never change."""
    changes = body.model_dump(exclude_unset=True)
    now = t.services.clock.now()
    return await t.write(lambda uow: service.read_tokens(uow, [service.update_id_token(
        uow, id_token_id, changes=changes, actor=t.principal, now=now)])[0])


@router.delete("/{id_token_id}", status_code=204, operation_id="delete_id_token",
               responses={409: {"model": Problem, "description": "the card is linked to a user"}})
async def delete_id_token(id_token_id: uuid.UUID, t: DeleteIdToken) -> Response:
    now = t.services.clock.now()
    await t.write(lambda uow: service.delete_id_token(uow, id_token_id, actor=t.principal, now=now))
    return Response(status_code=204)
