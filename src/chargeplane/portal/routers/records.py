"""What the platform keeps on record, for tenant admins: the outbox (`/portal/outbox`, every email and
SMS with its delivery) and the audit log (`/portal/audit`, who changed what, before and after). The
same queries and cursors as the API's outbox and audit-log routes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from chargeplane.api.pagination import MAX_LIMIT, next_cursor
from chargeplane.api.problems import ApiError
from chargeplane.api.routers.audit import decode_audit_cursor, next_audit_cursor
from chargeplane.db import UnitOfWork
from chargeplane.domain.audit.queries import AuditFilter, list_audit_entries
from chargeplane.domain.audit.schemas import AuditEntryRead
from chargeplane.domain.identity import users
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.messaging import queries
from chargeplane.domain.messaging.schemas import OutboxMessageRead
from chargeplane.portal.pages import Page
from chargeplane.portal.people_support import WORDS, Labels, blank, choice, local_day, next_page, safe_cursor
from chargeplane.portal.security import operator_page

router = APIRouter()

Operator = Annotated[Page, Depends(operator_page)]
PAGE_SIZE = 50
# Where an audit entry's object is shown in the portal.
OBJECT_PAGES = {"user": "/portal/users/", "account": "/portal/accounts/", "site": "/portal/sites/",
                "charge_point": "/portal/charge-points/", "id_token": "/portal/cards/"}


@router.get("/portal/outbox", response_class=HTMLResponse)
async def outbox(page: Operator, request: Request, status: str = "", channel: str = "", recipient: str = "",
                 cursor: str = "") -> Response:
    t = await page.tenancy(Resource.OUTBOX, Action.READ)
    where = queries.OutboxFilter(recipient=blank(recipient), channel=choice(channel, WORDS["channel"]),
                                 status=choice(status, WORDS["message_status"]))
    after = safe_cursor(cursor)
    rows = await t.read(lambda uow: [OutboxMessageRead.model_validate(row) for row in
                                     queries.list_messages(uow, where=where, limit=PAGE_SIZE, after=after)])
    return page.render("operator/outbox.html", section="outbox", rows=rows, labels=Labels(page),
                       status=where.status or "", channel=where.channel or "", recipient=recipient,
                       next_url=next_page(request, next_cursor(rows, PAGE_SIZE)))


@dataclass(frozen=True, slots=True)
class Change:
    name: str
    before: Any
    after: Any


def changes_of(entry: AuditEntryRead) -> list[Change]:
    """The settings an entry records, each with its value before and after (either may be missing)."""
    before, after = entry.before or {}, entry.after or {}
    names = list(dict.fromkeys([*before, *after]))
    return [Change(name, before.get(name), after.get(name)) for name in names]


def _after(cursor: str) -> tuple[datetime, int] | None:
    try:
        return decode_audit_cursor(cursor or None)
    except ApiError:
        return None  # a cursor this site did not make: the first page


def _actor(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@router.get("/portal/audit", response_class=HTMLResponse)
async def audit_log(page: Operator, request: Request, actor: str = "", object_type: str = "",
                    object_id: str = "", occurred_from: str = "", occurred_to: str = "",
                    cursor: str = "") -> Response:
    """Filters: who (a user, or any actor's id from an entry), what kind of object, which days."""
    t = await page.tenancy(Resource.AUDIT_LOG, Action.READ)
    where = AuditFilter(actor_id=_actor(actor), object_type=choice(object_type, WORDS["object_type"]),
                        object_id=(blank(object_id) or "")[:64] or None,
                        occurred_from=local_day(occurred_from, page.time_zone),
                        occurred_to=local_day(occurred_to, page.time_zone, days_after=1))
    after = _after(cursor)

    def unit(uow: UnitOfWork) -> tuple[list[AuditEntryRead], list[tuple[uuid.UUID, str]]]:
        entries = [AuditEntryRead.model_validate(e) for e in
                   list_audit_entries(uow, where=where, limit=PAGE_SIZE, after=after)]
        people = users.list_users(uow, account_id=None, limit=MAX_LIMIT)
        actors = sorted(((u.id, u.name or u.email or u.mobile or str(u.id)) for u in people),
                        key=lambda pair: pair[1].lower())
        return entries, actors

    entries, actors = await t.read(unit)
    known = {actor_id for actor_id, _ in actors}
    if where.actor_id is not None and where.actor_id not in known:  # an API key or a system actor
        label = next((e.actor_label for e in entries if e.actor_id == where.actor_id), None)
        actors.insert(0, (where.actor_id, label or str(where.actor_id)))
    return page.render("operator/audit.html", section="audit", entries=entries, labels=Labels(page),
                       actors=actors, changes_of=changes_of, object_pages=OBJECT_PAGES,
                       filters={"actor": str(where.actor_id or ""), "object_type": where.object_type or "",
                                "object_id": where.object_id or "", "occurred_from": occurred_from,
                                "occurred_to": occurred_to},
                       next_url=next_page(request, next_audit_cursor(entries, PAGE_SIZE)))
