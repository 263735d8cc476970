"""Users and their roles (`/portal/users`): who they are, what they may do where, their cards and
recent charging; invitations (`/portal/invitations`) are in `people_invitations`, included here.
Every change goes through `api.people_flows`, as the API's routes do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from chargeplane.api import people_flows
from chargeplane.api.pagination import MAX_LIMIT, next_cursor
from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import DomainError
from chargeplane.domain.identity import users
from chargeplane.domain.identity.permissions import TENANT_ROLES, Action, Resource, Role, assignable_roles
from chargeplane.domain.identity.schemas import MembershipCreate, UserRead, UserUpdate
from chargeplane.domain.sessions.queries import SessionFilter, list_sessions
from chargeplane.domain.sessions.schemas import SessionRead
from chargeplane.domain.tenancy.account_queries import list_accounts, names_of
from chargeplane.domain.tokens.schemas import IdTokenRead
from chargeplane.domain.tokens.service import list_id_tokens
from chargeplane.portal.pages import N_, Page
from chargeplane.portal.people_support import (
    Labels,
    blank,
    choice,
    form_errors,
    next_page,
    safe_cursor,
    status_of,
)
from chargeplane.portal.routers import people_invitations
from chargeplane.portal.security import operator_page

router = APIRouter()
router.include_router(people_invitations.router)

Operator = Annotated[Page, Depends(operator_page)]
PAGE_SIZE = 50
RECENT = 10
PROFILE_FIELDS = ("name", "mobile", "language", "time_zone")
DONE = {"saved": N_("The changes are saved."), "disabled": N_("The user is disabled and logged out everywhere."),
        "enabled": N_("The user is active again."), "role_added": N_("The role is added."),
        "role_removed": N_("The role is removed.")}


@router.get("/portal/users", response_class=HTMLResponse)
async def user_list(page: Operator, request: Request, q: str = "", role: str = "", cursor: str = "") -> Response:
    t = await page.tenancy(Resource.USER, Action.READ)
    wanted = choice(role, Role)
    after = safe_cursor(cursor)

    def unit(uow: UnitOfWork) -> tuple[list[UserRead], dict[uuid.UUID, str]]:
        rows = users.list_users(uow, account_id=None, limit=PAGE_SIZE, after=after, search=q or None,
                                role=Role(wanted) if wanted else None)
        found = users.describe_users(uow, rows)
        return found, names_of(uow, (m.account_id for user in found for m in user.memberships))

    found, names = await t.read(unit)
    more = next_page(request, next_cursor(found, PAGE_SIZE))
    return page.render("operator/users.html", section="users", users=found, account_names=names, q=q,
                       role=wanted or "", labels=Labels(page), next_url=more)


@dataclass(frozen=True, slots=True)
class UserView:
    user: UserRead
    accounts: list[tuple[uuid.UUID, str]]  # the accounts the viewer sees, for the add-role form
    account_names: dict[uuid.UUID, str]
    cards: list[IdTokenRead] | None  # None: the viewer may not read cards (or sessions, below)
    sessions: list[SessionRead] | None


def _recent_sessions(uow: UnitOfWork, card_ids: list[uuid.UUID]) -> list[SessionRead]:
    """The newest sessions started with any of the user's cards."""
    rows = [row for card_id in card_ids
            for row in list_sessions(uow, where=SessionFilter(id_token_id=card_id), limit=RECENT)]
    rows.sort(key=lambda row: (row.created_at, row.id), reverse=True)
    return [SessionRead.model_validate(row) for row in rows[:RECENT]]


async def _show(page: Page, user_id: uuid.UUID, *, status_code: int = 200, section: str = "",
                errors: dict[str, str] | None = None, form: dict[str, str] | None = None) -> HTMLResponse:
    """The user's page; after a refused form, with that form's errors (`section` names the form)."""
    t = await page.tenancy(Resource.USER, Action.READ)
    may_cards = page.principal.can(Resource.ID_TOKEN, Action.READ)
    may_sessions = page.principal.can(Resource.SESSION, Action.READ)

    def unit(uow: UnitOfWork) -> UserView:
        user = people_flows.read_user(uow, user_id)
        accounts = [(a.id, a.name) for a in list_accounts(uow, parent_id=None, limit=MAX_LIMIT)]
        names = dict(accounts) | names_of(uow, (m.account_id for m in user.memberships))
        cards = [IdTokenRead.model_validate(c) for c in list_id_tokens(uow, user_id=user_id, limit=MAX_LIMIT)]
        sessions = _recent_sessions(uow, [c.id for c in cards]) if may_sessions else None
        return UserView(user=user, accounts=sorted(accounts, key=lambda a: a[1].lower()),
                        account_names=names, cards=cards if may_cards else None, sessions=sessions)

    view = await t.read(unit)
    grantable = [role for role in Role if role in assignable_roles(page.principal.roles)]
    done = DONE.get(page.request.query_params.get("done", ""))
    return page.render("operator/user.html", status_code=status_code, section="users", view=view, user=view.user,
                       labels=Labels(page), grantable=grantable, tenant_roles=TENANT_ROLES,
                       is_self=page.principal.user_id == user_id, errors_in=section, errors=errors or {},
                       form=form or {}, done=page._(done) if done else None)


@router.get("/portal/users/{user_id}", response_class=HTMLResponse)
async def user_page(page: Operator, user_id: uuid.UUID) -> Response:
    return await _show(page, user_id)


@router.post("/portal/users/{user_id}", response_class=HTMLResponse)
async def user_update(page: Operator, user_id: uuid.UUID, name: Annotated[str, Form()] = "",
                      mobile: Annotated[str, Form()] = "", language: Annotated[str, Form()] = "",
                      time_zone: Annotated[str, Form()] = "") -> Response:
    """The profile: name, mobile number, language and time zone."""
    t = await page.tenancy(Resource.USER, Action.UPDATE)
    form = {"name": name, "mobile": mobile, "language": language, "time_zone": time_zone}
    try:
        body = UserUpdate(**{key: blank(value) for key, value in form.items()})
        await people_flows.update_user(t, user_id, body.model_dump(exclude_unset=True))
    except (DomainError, ValidationError) as exc:
        return await _show(page, user_id, status_code=status_of(exc), section="profile", form=form,
                           errors=form_errors(page, exc, PROFILE_FIELDS))
    return page.redirect(f"/portal/users/{user_id}?done=saved")


@router.post("/portal/users/{user_id}/status", response_class=HTMLResponse)
async def user_status(page: Operator, user_id: uuid.UUID, status: Annotated[str, Form()] = "") -> Response:
    """Disable (logged out everywhere, kept out) or enable again."""
    t = await page.tenancy(Resource.USER, Action.UPDATE)
    try:
        body = UserUpdate(status=status)
        await people_flows.update_user(t, user_id, body.model_dump(exclude_unset=True))
    except (DomainError, ValidationError) as exc:
        return await _show(page, user_id, status_code=status_of(exc), section="status",
                           errors=form_errors(page, exc, ()))
    return page.redirect(f"/portal/users/{user_id}?done={'disabled' if status == 'disabled' else 'enabled'}")


@router.post("/portal/users/{user_id}/roles", response_class=HTMLResponse)
async def role_add(page: Operator, user_id: uuid.UUID, role: Annotated[str, Form()] = "",
                   account_id: Annotated[str, Form()] = "") -> Response:
    t = await page.tenancy(Resource.MEMBERSHIP, Action.CREATE)
    form = {"role": role, "account_id": account_id}
    try:
        body = MembershipCreate(role=role, account_id=blank(account_id))
        await people_flows.grant_role(t, user_id, body)
    except (DomainError, ValidationError) as exc:
        return await _show(page, user_id, status_code=status_of(exc), section="roles", form=form,
                           errors=form_errors(page, exc, ("role", "account_id")))
    return page.redirect(f"/portal/users/{user_id}?done=role_added")


@router.post("/portal/users/{user_id}/roles/{membership_id}/remove", response_class=HTMLResponse)
async def role_remove(page: Operator, user_id: uuid.UUID, membership_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.MEMBERSHIP, Action.DELETE)
    try:
        await people_flows.take_role(t, user_id, membership_id)
    except DomainError as exc:
        return await _show(page, user_id, status_code=status_of(exc), section="roles",
                           errors=form_errors(page, exc, ()))
    return page.redirect(f"/portal/users/{user_id}?done=role_removed")
