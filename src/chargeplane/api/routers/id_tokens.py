from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from chargeplane.api import import_flows
from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.api.problems import Problem
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.tokens import service
from chargeplane.domain.tokens.schemas import (
    IdTokenCreate,
    IdTokenRead,
    IdTokenUpdate,
    ImportResult,
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
    responses=import_flows.IMPORT_RESPONSES,
)
async def import_id_tokens(request: Request, t: CreateIdToken,
                           file: Annotated[UploadFile, File(description="CSV or XLSX; first row: column names")],
                           ) -> ImportResult | JSONResponse:
    """Import cards from a CSV or XLSX file: every row, or none. Columns (header row): uid, kind,
    status, expires_at, contract_id, label, user_email, account_id, parent_uid."""
    return await import_flows.api_import(request, t, file, import_flows.import_cards)


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
