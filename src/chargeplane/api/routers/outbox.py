"""The outbox: every email and SMS the tenant's platform sent or holds. Tenant admins only, since
message bodies hold live links (invitations, password resets)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.db import UnitOfWork
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.messaging import queries
from chargeplane.domain.messaging.schemas import Channel, MessageStatus, OutboxMessageRead

router = APIRouter(prefix="/outbox", tags=["outbox"])

ReadOutbox = Annotated[Tenancy, Depends(permit(Resource.OUTBOX, Action.READ))]


@router.get("", response_model=Page[OutboxMessageRead], operation_id="list_outbox_messages")
async def list_outbox_messages(
    t: ReadOutbox,
    recipient: str | None = None,
    channel: Channel | None = None,
    status: MessageStatus | None = None,
    template: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Newest first. `recipient` matches an email address (any case) or a mobile number exactly."""
    where = queries.OutboxFilter(recipient=recipient, channel=channel, status=status, template=template)
    after = decode_cursor(cursor)

    def unit(uow: UnitOfWork) -> list[OutboxMessageRead]:
        rows = queries.list_messages(uow, where=where, limit=limit, after=after)
        return [OutboxMessageRead.model_validate(row) for row in rows]

    items = await t.read(unit)
    return page(items, items, limit)
