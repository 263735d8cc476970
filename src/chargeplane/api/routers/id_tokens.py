from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response

from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, TenancyDep
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.domain.tokens import service
from chargeplane.domain.tokens.schemas import IdTokenCreate, IdTokenRead, IdTokenUpdate, TokenStatus

router = APIRouter(prefix="/id-tokens", tags=["id tokens"])


@router.post("", response_model=IdTokenRead, status_code=201, operation_id="create_id_token")
async def create_id_token(body: IdTokenCreate, t: TenancyDep, response: Response) -> IdTokenRead:
    token = await t.write(lambda uow: IdTokenRead.model_validate(service.create_id_token(uow, **body.model_dump())))
    response.headers["Location"] = f"/api/v1/id-tokens/{token.id}"
    return token


@router.get("", response_model=Page[IdTokenRead], operation_id="list_id_tokens")
async def list_id_tokens(t: TenancyDep, status: TokenStatus | None = None, uid: str | None = None,
                         limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: [IdTokenRead.model_validate(x) for x in
                                     service.list_id_tokens(uow, status=status, uid=uid, limit=limit, after=after)])
    return page(rows, rows, limit)


@router.get("/{id_token_id}", response_model=IdTokenRead, operation_id="get_id_token")
async def get_id_token(id_token_id: uuid.UUID, t: TenancyDep) -> IdTokenRead:
    return await t.read(lambda uow: IdTokenRead.model_validate(service.get_id_token(uow, id_token_id)))


@router.patch("/{id_token_id}", response_model=IdTokenRead, operation_id="update_id_token")
async def update_id_token(id_token_id: uuid.UUID, body: IdTokenUpdate, t: TenancyDep) -> IdTokenRead:
    changes = body.model_dump(exclude_unset=True)
    return await t.write(lambda uow: IdTokenRead.model_validate(
        service.update_id_token(uow, id_token_id, changes=changes)))


@router.delete("/{id_token_id}", status_code=204, operation_id="delete_id_token")
async def delete_id_token(id_token_id: uuid.UUID, t: TenancyDep) -> Response:
    await t.write(lambda uow: service.delete_id_token(uow, id_token_id))
    return Response(status_code=204)
