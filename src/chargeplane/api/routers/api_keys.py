"""API keys: machine credentials of the tenant or of one account, each acting with one role."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.db import UnitOfWork
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.tenancy.api_keys import create_api_key, list_api_keys, revoke_api_key
from chargeplane.domain.tenancy.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead

router = APIRouter(prefix="/api-keys", tags=["api keys"])

CreateKey = Annotated[Tenancy, Depends(permit(Resource.API_KEY, Action.CREATE))]
ReadKey = Annotated[Tenancy, Depends(permit(Resource.API_KEY, Action.READ))]
DeleteKey = Annotated[Tenancy, Depends(permit(Resource.API_KEY, Action.DELETE))]


@router.post("", response_model=ApiKeyCreated, status_code=201, operation_id="create_api_key")
async def create_key(body: ApiKeyCreate, t: CreateKey) -> ApiKeyCreated:
    """The secret is in this answer only; it is stored as a hash. The role must be one you may hand out:
    a tenant role without `account_id`, an account role with an account you administer."""
    now = t.services.clock.now()

    def unit(uow: UnitOfWork) -> ApiKeyCreated:
        issued = create_api_key(uow, name=body.name, role=body.role, account_id=body.account_id,
                                actor=t.principal, now=now)
        return ApiKeyCreated.model_validate({**ApiKeyRead.model_validate(issued.key).model_dump(),
                                             "secret": issued.secret})

    return await t.write(unit)


@router.get("", response_model=Page[ApiKeyRead], operation_id="list_api_keys")
async def list_keys(t: ReadKey, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: [ApiKeyRead.model_validate(k) for k in
                                     list_api_keys(uow, limit=limit, after=after)])
    return page(rows, rows, limit)


@router.delete("/{key_id}", status_code=204, operation_id="revoke_api_key")
async def revoke_key(key_id: uuid.UUID, t: DeleteKey) -> Response:
    """Revoke the key: it stops working at once. The row stays, with `revoked_at`, for the record."""
    now = t.services.clock.now()
    await t.write(lambda uow: revoke_api_key(uow, key_id=key_id, actor=t.principal, now=now))
    return Response(status_code=204)
