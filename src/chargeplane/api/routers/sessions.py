from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.pricing.cdr_schemas import SessionDetailWithCost
from chargeplane.domain.pricing.session_views import session_detail, session_reads
from chargeplane.domain.sessions import queries
from chargeplane.domain.sessions.schemas import (
    SessionRead,
    SessionState,
    SessionStatus,
)

router = APIRouter(prefix="/sessions", tags=["sessions"])

ReadSession = Annotated[Tenancy, Depends(permit(Resource.SESSION, Action.READ))]


@router.get("", response_model=Page[SessionRead], operation_id="list_sessions")
async def list_sessions(
    t: ReadSession,
    charge_point_id: uuid.UUID | None = None,
    id_tag: str | None = None,
    id_token_id: uuid.UUID | None = None,
    state: SessionState | None = None,
    status: SessionStatus | None = None,
    started_from: AwareDatetime | None = None,
    started_to: AwareDatetime | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Newest first. `started_from` is inclusive, `started_to` exclusive."""
    where = queries.SessionFilter(charge_point_id=charge_point_id, id_tag=id_tag, id_token_id=id_token_id,
                                  state=state, status=status, started_from=started_from, started_to=started_to)
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: session_reads(uow, queries.list_sessions(uow, where=where, limit=limit,
                                                                               after=after)))
    return page(rows, rows, limit)


@router.get("/{session_id}", response_model=SessionDetailWithCost, operation_id="get_session")
async def get_session(session_id: uuid.UUID, t: ReadSession) -> SessionDetailWithCost:
    """With its meter values and its cost: running (priced now from the frozen tariff) or final (its CDR)."""
    now = t.services.clock.now()
    return await t.read(lambda uow: session_detail(uow, session_id, now=now))
