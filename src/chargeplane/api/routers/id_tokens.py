from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.tokens import service
from chargeplane.domain.tokens.schemas import IdTokenCreate, IdTokenRead, IdTokenUpdate, TokenStatus

router = APIRouter(prefix="/id-tokens", tags=["id tokens"])

CreateIdToken = Annotated[Tenancy, Depends(permit(Resource.ID_TOKEN, Action.CREATE))]
DeleteIdToken = Annotated[Tenancy, Depends(permit(Resource.ID_TOKEN, Action.DELETE))]
ReadIdToken = Annotated[Tenancy, Depends(permit(Resource.ID_TOKEN, Action.READ))]
UpdateIdToken = Annotated[Tenancy, Depends(permit(Resource.ID_TOKEN, Action.UPDATE))]


@router.post("", response_model=IdTokenRead, status_code=201, operation_id="create_id_token")
async def create_id_token(body: IdTokenCreate, t: CreateIdToken, response: Response) -> IdTokenRead:
    token = await t.write(lambda uow: IdTokenRead.model_validate(service.create_id_token(uow, **body.model_dump())))
    response.headers["Location"] = f"/api/v1/id-tokens/{token.id}"
    return token


@router.get("", response_model=Page[IdTokenRead], operation_id="list_id_tokens")
async def list_id_tokens(t: ReadIdToken, status: TokenStatus | None = None, uid: str | None = None,
                         limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: [IdTokenRead.model_validate(x) for x in
                                     service.list_id_tokens(uow, status=status, uid=uid, limit=limit, after=after)])
    return page(rows, rows, limit)


@router.get("/{id_token_id}", response_model=IdTokenRead, operation_id="get_id_token")
async def get_id_token(id_token_id: uuid.UUID, t: ReadIdToken) -> IdTokenRead:
    return await t.read(lambda uow: IdTokenRead.model_validate(service.get_id_token(uow, id_token_id)))


@router.patch("/{id_token_id}", response_model=IdTokenRead, operation_id="update_id_token")
async def update_id_token(id_token_id: uuid.UUID, body: IdTokenUpdate, t: UpdateIdToken) -> IdTokenRead:
    changes = body.model_dump(exclude_unset=True)
    return await t.write(lambda uow: IdTokenRead.model_validate(
        service.update_id_token(uow, id_token_id, changes=changes)))


@router.delete("/{id_token_id}", status_code=204, operation_id="delete_id_token")
async def delete_id_token(id_token_id: uuid.UUID, t: DeleteIdToken) -> Response:
    await t.write(lambda uow: service.delete_id_token(uow, id_token_id))
    return Response(status_code=204)
