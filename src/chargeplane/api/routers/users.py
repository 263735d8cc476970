"""Users and their memberships (roles)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from chargeplane.api import people_flows
from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.db import UnitOfWork
from chargeplane.domain.identity import memberships, users
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.identity.schemas import MembershipCreate, MembershipRead, UserRead, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])

ReadUser = Annotated[Tenancy, Depends(permit(Resource.USER, Action.READ))]
UpdateUser = Annotated[Tenancy, Depends(permit(Resource.USER, Action.UPDATE))]
ReadMembership = Annotated[Tenancy, Depends(permit(Resource.MEMBERSHIP, Action.READ))]
CreateMembership = Annotated[Tenancy, Depends(permit(Resource.MEMBERSHIP, Action.CREATE))]
DeleteMembership = Annotated[Tenancy, Depends(permit(Resource.MEMBERSHIP, Action.DELETE))]


@router.get("", response_model=Page[UserRead], operation_id="list_users")
async def list_users(t: ReadUser, account_id: uuid.UUID | None = None, limit: Limit = DEFAULT_LIMIT,
                     cursor: Cursor = None) -> dict[str, Any]:
    """Tenant staff see every user; account admins and members the users of their accounts."""
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: users.describe_users(
        uow, users.list_users(uow, account_id=account_id, limit=limit, after=after)))
    return page(rows, rows, limit)


@router.get("/{user_id}", response_model=UserRead, operation_id="get_user")
async def get_user(user_id: uuid.UUID, t: ReadUser) -> UserRead:
    return await t.read(lambda uow: people_flows.read_user(uow, user_id))


@router.patch("/{user_id}", response_model=UserRead, operation_id="update_user")
async def update_user(user_id: uuid.UUID, body: UserUpdate, t: UpdateUser) -> UserRead:
    """Name, language, time zone, mobile and status. Email, roles and accounts are not changed here."""
    return await people_flows.update_user(t, user_id, body.model_dump(exclude_unset=True))


@router.get("/{user_id}/memberships", response_model=list[MembershipRead], operation_id="list_memberships")
async def list_memberships(user_id: uuid.UUID, t: ReadMembership) -> list[MembershipRead]:
    def unit(uow: UnitOfWork) -> list[MembershipRead]:
        users.get_user(uow, user_id)
        return [MembershipRead.model_validate(m) for m in memberships.list_memberships(uow, user_id=user_id)]

    return await t.read(unit)


@router.post("/{user_id}/memberships", response_model=MembershipRead, status_code=201,
             operation_id="create_membership")
async def create_membership(user_id: uuid.UUID, body: MembershipCreate, t: CreateMembership) -> MembershipRead:
    """Grant a role: only one you may hand out, in an account you administer, never to yourself."""
    return await people_flows.grant_role(t, user_id, body)


@router.delete("/{user_id}/memberships/{membership_id}", status_code=204, operation_id="delete_membership")
async def delete_membership(user_id: uuid.UUID, membership_id: uuid.UUID, t: DeleteMembership) -> Response:
    """Take a role away; the tenant's last tenant admin stays."""
    await people_flows.take_role(t, user_id, membership_id)
    return Response(status_code=204)
