"""Audit log: who did what to which object, when and from where. Tenant admins read it."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page
from chargeplane.api.problems import ApiError
from chargeplane.domain.audit.queries import AuditFilter, list_audit_entries
from chargeplane.domain.audit.schemas import AuditEntryRead
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.text import Text as SafeText

router = APIRouter(prefix="/audit-log", tags=["audit log"])

ReadAudit = Annotated[Tenancy, Depends(permit(Resource.AUDIT_LOG, Action.READ))]
Text = Annotated[SafeText | None, Query(max_length=64)]


def decode_audit_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """Entries are keyed by (occurred_at, integer id), unlike the (created_at, uuid) of other pages."""
    if not cursor:
        return None
    try:
        occurred_at, last_id = orjson.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
        at = datetime.fromisoformat(occurred_at)
        if at.tzinfo is None:
            raise ValueError("naive time")
        return at, int(last_id)
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise ApiError(422, "invalid-cursor", "cursor is not one this API gave out") from None


def next_audit_cursor(rows: list[AuditEntryRead], limit: int) -> str | None:
    if len(rows) < limit:
        return None
    raw = orjson.dumps([rows[-1].occurred_at.isoformat(), rows[-1].id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@router.get("", response_model=Page[AuditEntryRead], operation_id="list_audit_entries")
async def list_entries(
    t: ReadAudit,
    object_type: Text = None,
    object_id: Text = None,
    actor_id: uuid.UUID | None = None,
    action: Text = None,
    occurred_from: Annotated[AwareDatetime | None, Query(alias="from", description="inclusive")] = None,
    occurred_to: Annotated[AwareDatetime | None, Query(alias="to", description="exclusive")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Newest first. Settings before and after a change are shown with secrets redacted."""
    where = AuditFilter(object_type=object_type, object_id=object_id, actor_id=actor_id, action=action,
                        occurred_from=occurred_from, occurred_to=occurred_to)
    after = decode_audit_cursor(cursor)
    rows = await t.read(lambda uow: [AuditEntryRead.model_validate(e) for e in
                                     list_audit_entries(uow, where=where, limit=limit, after=after)])
    return {"items": rows, "next_cursor": next_audit_cursor(rows, limit)}
