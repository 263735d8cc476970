"""Customer groups: named sets of an account's users and cards (their prices come with pricing)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.access.models import CustomerGroup, CustomerGroupMember
from chargeplane.domain.access.reach import account_in_reach, user_in_reach
from chargeplane.domain.audit.service import changed, record
from chargeplane.domain.errors import Conflict, Invalid, NotFound
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.tenancy.tree import subtree
from chargeplane.domain.tokens.models import IdToken
from chargeplane.domain.unique import add_unique


def _name(name: str) -> str:
    name = name.strip()
    if not name:
        raise Invalid("name must not be empty", field="name")
    return name


def _taken(name: str) -> Conflict:
    return Conflict("the account has a customer group named %(name)r", field="name", name=name)


def _percent(value: Decimal) -> Decimal:
    """Stored with two decimals: the same figure whichever database reads it back."""
    return Decimal(value).quantize(Decimal("0.01"))


def _settings(group: CustomerGroup) -> dict[str, Any]:
    return {"name": group.name, "description": group.description, "account_id": group.account_id,
            "discount_percent": group.discount_percent}


def create_group(uow: UnitOfWork, *, name: str, description: str | None = None, account_id: uuid.UUID | None = None,
                 discount_percent: Decimal = Decimal(0), actor: Principal | None, now: datetime) -> CustomerGroup:
    account = account_in_reach(uow, account_id, actor=actor, required=True)
    group = add_unique(uow, CustomerGroup(name=_name(name), description=description, account_id=account,
                                          discount_percent=_percent(discount_percent)), _taken(name.strip()))
    record(uow, actor=actor, action="customer_group.create", object_type="customer_group", object_id=group.id,
           at=now, account_id=group.account_id, after=_settings(group))
    return group


def get_group(uow: UnitOfWork, group_id: uuid.UUID) -> CustomerGroup:
    group = uow.session.get(CustomerGroup, group_id)
    if group is None:
        raise NotFound("customer group not found", customer_group_id=str(group_id))
    return group


def list_groups(uow: UnitOfWork, *, account_id: uuid.UUID | None = None, limit: int,
                after: tuple[Any, uuid.UUID] | None = None) -> list[CustomerGroup]:
    query = select(CustomerGroup)
    if account_id is not None:
        query = query.where(CustomerGroup.account_id == account_id)
    return list(uow.session.scalars(newest_first(query, CustomerGroup, limit=limit, after=after)))


def update_group(uow: UnitOfWork, group_id: uuid.UUID, *, changes: dict[str, Any], actor: Principal | None,
                 now: datetime) -> CustomerGroup:
    group = get_group(uow, group_id)
    before = _settings(group)
    if "name" in changes:
        if changes["name"] is None:
            raise Invalid("name cannot be null", field="name")
        group.name = _name(changes["name"])
    if "description" in changes:
        group.description = changes["description"]
    if changes.get("discount_percent") is not None:
        group.discount_percent = _percent(changes["discount_percent"])
    add_unique(uow, group, _taken(group.name))  # a rename may clash with another group of the account
    old, new = changed(before, _settings(group))
    if new:
        record(uow, actor=actor, action="customer_group.update", object_type="customer_group", object_id=group.id,
               at=now, account_id=group.account_id, before=old, after=new)
    return group


def delete_group(uow: UnitOfWork, group_id: uuid.UUID, *, actor: Principal | None, now: datetime) -> None:
    """Its memberships and the access shared with it go with it."""
    group = get_group(uow, group_id)
    before = _settings(group)
    uow.session.delete(group)
    uow.session.flush()
    record(uow, actor=actor, action="customer_group.delete", object_type="customer_group", object_id=group_id,
           at=now, account_id=group.account_id, before=before)


def add_member(uow: UnitOfWork, group_id: uuid.UUID, *, user_id: uuid.UUID | None = None,
               id_token_id: uuid.UUID | None = None, actor: Principal | None, now: datetime) -> CustomerGroupMember:
    """A user with a membership in the group's account (or one under it), or a card of those accounts."""
    group = get_group(uow, group_id)
    if (user_id is None) == (id_token_id is None):
        raise Invalid("give either user_id or id_token_id")
    tree = subtree(uow, [group.account_id]) if group.account_id is not None else None
    if user_id is not None:
        user_in_reach(uow, user_id, within=tree)
    else:
        token = uow.session.get(IdToken, id_token_id)
        if token is None or (tree is not None and token.account_id not in tree):
            raise Invalid("id_token_id names no card of this group's account", field="id_token_id")
    member = add_unique(uow, CustomerGroupMember(group_id=group.id, user_id=user_id, id_token_id=id_token_id),
                        Conflict("already in the group", field="user_id" if user_id else "id_token_id"))
    record(uow, actor=actor, action="customer_group.member_add", object_type="customer_group", object_id=group.id,
           at=now, account_id=group.account_id, after={"user_id": user_id, "id_token_id": id_token_id})
    return member


def list_members(uow: UnitOfWork, group_id: uuid.UUID) -> list[CustomerGroupMember]:
    group = get_group(uow, group_id)  # the gate decides whether the caller sees the group at all
    return list(uow.session.scalars(select(CustomerGroupMember).where(CustomerGroupMember.group_id == group.id)
                                    .order_by(CustomerGroupMember.created_at, CustomerGroupMember.id)))


def remove_member(uow: UnitOfWork, group_id: uuid.UUID, member_id: uuid.UUID, *, actor: Principal | None,
                  now: datetime) -> None:
    group = get_group(uow, group_id)
    member = uow.session.scalar(select(CustomerGroupMember).where(
        CustomerGroupMember.group_id == group.id, CustomerGroupMember.id == member_id))
    if member is None:
        raise NotFound("member not found", member_id=str(member_id))
    before = {"user_id": member.user_id, "id_token_id": member.id_token_id}
    uow.session.delete(member)
    uow.session.flush()
    record(uow, actor=actor, action="customer_group.member_remove", object_type="customer_group",
           object_id=group.id, at=now, account_id=group.account_id, before=before)
