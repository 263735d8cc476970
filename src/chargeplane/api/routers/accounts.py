"""Accounts and their sub-accounts."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.tenancy.account_changes import close_account, open_account, update_account
from chargeplane.domain.tenancy.account_queries import account_tree, list_accounts
from chargeplane.domain.tenancy.accounts import get_account
from chargeplane.domain.tenancy.schemas import AccountCreate, AccountNode, AccountRead, AccountUpdate

router = APIRouter(prefix="/accounts", tags=["accounts"])

CreateAccount = Annotated[Tenancy, Depends(permit(Resource.ACCOUNT, Action.CREATE))]
ReadAccount = Annotated[Tenancy, Depends(permit(Resource.ACCOUNT, Action.READ))]
UpdateAccount = Annotated[Tenancy, Depends(permit(Resource.ACCOUNT, Action.UPDATE))]
DeleteAccount = Annotated[Tenancy, Depends(permit(Resource.ACCOUNT, Action.DELETE))]


@router.post("", response_model=AccountRead, status_code=201, operation_id="create_account")
async def create_account(body: AccountCreate, t: CreateAccount, response: Response) -> AccountRead:
    """A customer account, or with `parent_id` and `relation` a sub-account (account admins create
    only these, under their own accounts)."""
    fields, now = body.model_dump(), t.services.clock.now()
    created = await t.write(lambda uow: AccountRead.model_validate(
        open_account(uow, fields=fields, actor=t.principal, now=now)))
    response.headers["Location"] = f"/api/v1/accounts/{created.id}"
    return created


@router.get("", response_model=Page[AccountRead], operation_id="list_accounts")
async def list_accounts_route(t: ReadAccount, parent_id: uuid.UUID | None = None, limit: Limit = DEFAULT_LIMIT,
                              cursor: Cursor = None) -> dict[str, Any]:
    """The accounts you may see, newest first; `parent_id` lists one account's direct sub-accounts."""
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: [AccountRead.model_validate(a) for a in
                                     list_accounts(uow, parent_id=parent_id, limit=limit, after=after)])
    return page(rows, rows, limit)


@router.get("/{account_id}", response_model=AccountRead, operation_id="get_account")
async def get_account_route(account_id: uuid.UUID, t: ReadAccount) -> AccountRead:
    return await t.read(lambda uow: AccountRead.model_validate(get_account(uow, account_id)))


@router.get("/{account_id}/tree", response_model=AccountNode, operation_id="get_account_tree")
async def get_account_tree(account_id: uuid.UUID, t: ReadAccount) -> AccountNode:
    """The account with its sub-accounts nested to any depth."""
    return await t.read(lambda uow: account_tree(uow, account_id))


@router.patch("/{account_id}", response_model=AccountRead, operation_id="update_account")
async def update_account_route(account_id: uuid.UUID, body: AccountUpdate, t: UpdateAccount) -> AccountRead:
    changes, now = body.model_dump(exclude_unset=True), t.services.clock.now()
    return await t.write(lambda uow: AccountRead.model_validate(
        update_account(uow, account_id=account_id, changes=changes, actor=t.principal, now=now)))


@router.delete("/{account_id}", status_code=204, operation_id="delete_account")
async def delete_account(account_id: uuid.UUID, t: DeleteAccount) -> Response:
    """Refused (409) while the account has sub-accounts, charge points, sites, cards or members."""
    now = t.services.clock.now()
    await t.write(lambda uow: close_account(uow, account_id=account_id, actor=t.principal, now=now))
    return Response(status_code=204)
