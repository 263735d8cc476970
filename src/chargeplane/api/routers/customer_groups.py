"""Customer groups and their members (users and cards of the group's account)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.domain.access import groups
from chargeplane.domain.access.schemas import (
    CustomerGroupCreate,
    CustomerGroupRead,
    CustomerGroupUpdate,
    GroupMemberAdd,
    GroupMemberRead,
)
from chargeplane.domain.identity.permissions import Action, Resource

router = APIRouter(prefix="/customer-groups", tags=["customer groups"])

CreateGroup = Annotated[Tenancy, Depends(permit(Resource.CUSTOMER_GROUP, Action.CREATE))]
ReadGroup = Annotated[Tenancy, Depends(permit(Resource.CUSTOMER_GROUP, Action.READ))]
UpdateGroup = Annotated[Tenancy, Depends(permit(Resource.CUSTOMER_GROUP, Action.UPDATE))]
DeleteGroup = Annotated[Tenancy, Depends(permit(Resource.CUSTOMER_GROUP, Action.DELETE))]


@router.post("", response_model=CustomerGroupRead, status_code=201, operation_id="create_customer_group")
async def create_group(body: CustomerGroupCreate, t: CreateGroup, response: Response) -> CustomerGroupRead:
    now = t.services.clock.now()
    group = await t.write(lambda uow: CustomerGroupRead.model_validate(
        groups.create_group(uow, **body.model_dump(), actor=t.principal, now=now)))
    response.headers["Location"] = f"/api/v1/customer-groups/{group.id}"
    return group


@router.get("", response_model=Page[CustomerGroupRead], operation_id="list_customer_groups")
async def list_groups(t: ReadGroup, account_id: uuid.UUID | None = None, limit: Limit = DEFAULT_LIMIT,
                      cursor: Cursor = None) -> dict[str, Any]:
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: [CustomerGroupRead.model_validate(g) for g in
                                     groups.list_groups(uow, account_id=account_id, limit=limit, after=after)])
    return page(rows, rows, limit)


@router.get("/{group_id}", response_model=CustomerGroupRead, operation_id="get_customer_group")
async def get_group(group_id: uuid.UUID, t: ReadGroup) -> CustomerGroupRead:
    return await t.read(lambda uow: CustomerGroupRead.model_validate(groups.get_group(uow, group_id)))


@router.patch("/{group_id}", response_model=CustomerGroupRead, operation_id="update_customer_group")
async def update_group(group_id: uuid.UUID, body: CustomerGroupUpdate, t: UpdateGroup) -> CustomerGroupRead:
    changes = body.model_dump(exclude_unset=True)
    now = t.services.clock.now()
    return await t.write(lambda uow: CustomerGroupRead.model_validate(
        groups.update_group(uow, group_id, changes=changes, actor=t.principal, now=now)))


@router.delete("/{group_id}", status_code=204, operation_id="delete_customer_group")
async def delete_group(group_id: uuid.UUID, t: DeleteGroup) -> Response:
    now = t.services.clock.now()
    await t.write(lambda uow: groups.delete_group(uow, group_id, actor=t.principal, now=now))
    return Response(status_code=204)


@router.get("/{group_id}/members", response_model=list[GroupMemberRead], operation_id="list_customer_group_members")
async def list_members(group_id: uuid.UUID, t: ReadGroup) -> list[GroupMemberRead]:
    return await t.read(lambda uow: [GroupMemberRead.model_validate(m) for m in groups.list_members(uow, group_id)])


# Changing who is in a group is changing the group.
@router.post("/{group_id}/members", response_model=GroupMemberRead, status_code=201,
             operation_id="add_customer_group_member")
async def add_member(group_id: uuid.UUID, body: GroupMemberAdd, t: UpdateGroup) -> GroupMemberRead:
    now = t.services.clock.now()
    return await t.write(lambda uow: GroupMemberRead.model_validate(
        groups.add_member(uow, group_id, **body.model_dump(), actor=t.principal, now=now)))


@router.delete("/{group_id}/members/{member_id}", status_code=204, operation_id="remove_customer_group_member")
async def remove_member(group_id: uuid.UUID, member_id: uuid.UUID, t: UpdateGroup) -> Response:
    now = t.services.clock.now()
    await t.write(lambda uow: groups.remove_member(uow, group_id, member_id, actor=t.principal, now=now))
    return Response(status_code=204)
