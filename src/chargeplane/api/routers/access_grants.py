"""Access grants: charge points and sites shared with users and customer groups."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.domain.access import grants
from chargeplane.domain.access.schemas import AccessGrantCreate, AccessGrantRead
from chargeplane.domain.identity.permissions import Action, Resource

router = APIRouter(prefix="/access-grants", tags=["access grants"])

CreateGrant = Annotated[Tenancy, Depends(permit(Resource.ACCESS_GRANT, Action.CREATE))]
ReadGrant = Annotated[Tenancy, Depends(permit(Resource.ACCESS_GRANT, Action.READ))]
DeleteGrant = Annotated[Tenancy, Depends(permit(Resource.ACCESS_GRANT, Action.DELETE))]


@router.post("", response_model=AccessGrantRead, status_code=201, operation_id="create_access_grant")
async def create_grant(body: AccessGrantCreate, t: CreateGrant, response: Response) -> AccessGrantRead:
    """Share a charge point or a site with a user (by id or email) or a customer group."""
    now = t.services.clock.now()
    values = body.model_dump()
    grant = await t.write(lambda uow: AccessGrantRead.model_validate(
        grants.create_grant(uow, **values, actor=t.principal, now=now)))
    response.headers["Location"] = f"/api/v1/access-grants/{grant.id}"
    return grant


@router.get("", response_model=Page[AccessGrantRead], operation_id="list_access_grants")
async def list_grants(t: ReadGrant, charge_point_id: uuid.UUID | None = None, site_id: uuid.UUID | None = None,
                      user_id: uuid.UUID | None = None, customer_group_id: uuid.UUID | None = None,
                      limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    where = grants.GrantFilter(charge_point_id=charge_point_id, site_id=site_id, user_id=user_id,
                               customer_group_id=customer_group_id)
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: [AccessGrantRead.model_validate(g) for g in
                                     grants.list_grants(uow, where=where, limit=limit, after=after)])
    return page(rows, rows, limit)


@router.get("/{grant_id}", response_model=AccessGrantRead, operation_id="get_access_grant")
async def get_grant(grant_id: uuid.UUID, t: ReadGrant) -> AccessGrantRead:
    return await t.read(lambda uow: AccessGrantRead.model_validate(grants.get_grant(uow, grant_id)))


@router.delete("/{grant_id}", status_code=204, operation_id="delete_access_grant")
async def delete_grant(grant_id: uuid.UUID, t: DeleteGrant) -> Response:
    now = t.services.clock.now()
    await t.write(lambda uow: grants.delete_grant(uow, grant_id, actor=t.principal, now=now))
    return Response(status_code=204)
