"""Invitations (`/portal/invitations`): the list, sending one, a new link, withdrawing one; through
`api.people_flows`, as the API does. Nobody can be invited until the tenant has set its terms and
privacy links: the pages say so and point to the settings.

An account admin's form starts as what a private charger's owner wants: a member invitation into
their own account with the driver role. Any membership of an account lets its holder use the
account's chargers in the app (`domain/access/visibility.py`, "own"), and driver is the narrowest.
A tenant admin's starts with the driver role too, and the account to choose: the account field is
there, required, while the role is an account's, and gone for a tenant role (htmx swaps it when the
role changes; without JavaScript the page says what to correct after sending)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from chargeplane.api import people_flows
from chargeplane.api.pagination import MAX_LIMIT, next_cursor
from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import DomainError
from chargeplane.domain.identity import invitations
from chargeplane.domain.identity.invitation_schemas import InvitationCreate, InvitationRead
from chargeplane.domain.identity.models import Invitation
from chargeplane.domain.identity.permissions import (
    ACCOUNT_ROLES,
    TENANT_ROLES,
    Action,
    Resource,
    Role,
    assignable_roles,
)
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.tenancy.account_queries import list_accounts
from chargeplane.domain.tenancy.service import get_tenant
from chargeplane.portal.pages import N_, Page
from chargeplane.portal.people_support import (
    WORDS,
    Labels,
    blank,
    choice,
    form_errors,
    next_page,
    safe_cursor,
    status_of,
)
from chargeplane.portal.security import operator_page

router = APIRouter()

Operator = Annotated[Page, Depends(operator_page)]
PAGE_SIZE = 50
KINDS = ("member", "customer", "sub_account")
BUSINESS = ("legal_name", "registration_number", "vat_number", "billing_address")
FIELDS = ("email", "mobile", "name", "language", "role", "account_id", "account_name", "account_kind",
          "account_relation", *BUSINESS, "terms")
# Where the domain's and the schema's field names land on this form.
RENAME = {"account": "account_name", "account.name": "account_name", "account.kind": "account_kind",
          "account.relation": "account_relation", "kind": "account_kind", "relation": "account_relation",
          "terms_url": "terms", "privacy_url": "terms", **{f"account.{name}": name for name in BUSINESS}}
DONE = {"sent": N_("The invitation is sent."), "resent": N_("A new link is sent; the earlier one no longer works."),
        "revoked": N_("The invitation is withdrawn; its link no longer works.")}


@dataclass(frozen=True, slots=True)
class InvitationRow:
    invitation: InvitationRead
    sent_by: str
    account: str | None


def _rows(uow: UnitOfWork, rows: list[Invitation], now: datetime) -> list[InvitationRow]:
    """Each invitation with who sent it and the account it is about, as people read them."""
    tenant = get_tenant(uow)
    return [InvitationRow(invitations.to_read(row, now), invitations.inviter_label(uow, row, tenant),
                          invitations.account_label(uow, row)) for row in rows]


def _kinds(principal: Principal) -> list[str]:
    """The invitations this person may send (the domain checks again when they do)."""
    allowed = {"member": bool(assignable_roles(principal.roles)), "customer": principal.tenant_wide,
               "sub_account": principal.can(Resource.ACCOUNT, Action.CREATE)}
    return [kind for kind in KINDS if allowed[kind]]


def _terms_missing(page: Page) -> bool:
    return not page.brand.terms_url or not page.brand.privacy_url


@router.get("/portal/invitations", response_class=HTMLResponse)
async def invitation_list(page: Operator, request: Request, status: str = "", kind: str = "", recipient: str = "",
                          cursor: str = "", done: str = "") -> Response:
    t = await page.tenancy(Resource.INVITATION, Action.READ)
    now, after = page.services.clock.now(), safe_cursor(cursor)
    wanted_status, wanted_kind = choice(status, WORDS["invitation_status"]), choice(kind, KINDS)

    def unit(uow: UnitOfWork) -> list[InvitationRow]:
        found = invitations.list_invitations(uow, now=now, status=wanted_status, kind=wanted_kind,
                                             recipient=blank(recipient), limit=PAGE_SIZE, after=after)
        return _rows(uow, found, now)

    rows = await t.read(unit)
    cursor_next = next_cursor([row.invitation for row in rows], PAGE_SIZE)
    message = DONE.get(done)
    return page.render("operator/invitations.html", section="invitations", rows=rows, labels=Labels(page),
                       status=wanted_status or "", kind=wanted_kind or "", recipient=recipient,
                       may_send=bool(_kinds(page.principal)), terms_missing=_terms_missing(page),
                       next_url=next_page(request, cursor_next), done=page._(message) if message else None)


def _role(value: str) -> Role | None:
    try:
        return Role(value)
    except ValueError:
        return None


def _account_problem(page: Page, role: str, account_id: str) -> str | None:
    """What the account field says when the role and the account do not go together (the domain's rule,
    `memberships.check_role_shape`, in the words of this form)."""
    chosen = _role(role)
    if chosen in ACCOUNT_ROLES and not account_id.strip():
        return page._("Choose the account the person joins: this role belongs to an account.")
    if chosen in TENANT_ROLES and account_id.strip():
        return page._("This role is for the whole platform, not for one account. Check the role, then send "
                      "the invitation again.")
    return None


async def _form(page: Page, kind: str, *, status_code: int = 200, form: dict[str, str] | None = None,
                errors: dict[str, str] | None = None) -> HTMLResponse:
    t = await page.tenancy(Resource.INVITATION, Action.CREATE)
    kinds = _kinds(page.principal)
    kind = kind if kind in kinds else (kinds[0] if kinds else "member")
    accounts = await t.read(lambda uow: sorted(((a.id, a.name) for a in list_accounts(
        uow, parent_id=None, limit=MAX_LIMIT)), key=lambda pair: pair[1].lower()))
    # The account is chosen already when there is one to choose: the admin's own, or the only one there is.
    administered = page.principal.accounts_with(Role.ACCOUNT_ADMIN)
    own = next((str(account_id) for account_id, _ in accounts if account_id in administered), "")
    only = str(accounts[0][0]) if len(accounts) == 1 else ""
    # Driver, the narrowest role, for everyone who may give it; an account role asks for its account.
    grantable = [role for role in Role if role in assignable_roles(page.principal.roles)]
    role = Role.DRIVER if Role.DRIVER in grantable or not grantable else grantable[0]
    defaults = {"role": role.value, "account_id": own or only, "language": page.brand.default_language,
                "account_relation": "employee"}
    values = defaults | (form or {})
    return page.render("operator/invitation_new.html", status_code=status_code, section="invitations", kind=kind,
                       kinds=kinds, accounts=accounts, grantable=grantable, form=values,
                       needs_account=_role(values["role"]) not in TENANT_ROLES,
                       errors=errors or {}, labels=Labels(page), terms_missing=_terms_missing(page))


@router.get("/portal/invitations/new", response_class=HTMLResponse)
async def invitation_form(page: Operator, kind: str = "", role: str = "", account_id: str = "") -> Response:
    """The form; `role` and `account_id` when the role is changed (htmx swaps the account part: asked
    for an account role, left out for a tenant role)."""
    chosen = {name: value for name, value in (("role", role), ("account_id", account_id)) if value}
    return await _form(page, kind, form=chosen)


@router.post("/portal/invitations/new", response_class=HTMLResponse)
async def invitation_send(
    page: Operator, kind: Annotated[str, Form()] = "", email: Annotated[str, Form()] = "",
    mobile: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "", language: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "", account_id: Annotated[str, Form()] = "",
    account_name: Annotated[str, Form()] = "", account_kind: Annotated[str, Form()] = "",
    account_relation: Annotated[str, Form()] = "", legal_name: Annotated[str, Form()] = "",
    registration_number: Annotated[str, Form()] = "", vat_number: Annotated[str, Form()] = "",
    billing_address: Annotated[str, Form()] = "",
) -> Response:
    t = await page.tenancy(Resource.INVITATION, Action.CREATE)
    kind = choice(kind, KINDS) or "member"
    form = {"email": email, "mobile": mobile, "name": name, "language": language, "role": role,
            "account_id": account_id, "account_name": account_name, "account_kind": account_kind,
            "account_relation": account_relation, "legal_name": legal_name,
            "registration_number": registration_number, "vat_number": vat_number, "billing_address": billing_address}
    draft = None if kind == "member" else {
        "name": account_name.strip(), "kind": blank(account_kind),
        "relation": blank(account_relation) if kind == "sub_account" else None,
        **{field: blank(form[field]) for field in BUSINESS}}
    try:
        body = InvitationCreate.model_validate({
            "kind": kind, "email": blank(email), "mobile": blank(mobile), "name": blank(name),
            "language": blank(language), "role": blank(role) if kind == "member" else None,
            "account_id": blank(account_id) if kind != "customer" else None, "account": draft})
        await people_flows.send_invitation(t, body)
    except (DomainError, ValidationError) as exc:
        errors = form_errors(page, exc, FIELDS, RENAME)
        if kind == "member" and (problem := _account_problem(page, role, account_id)):
            errors["account_id"] = problem
        return await _form(page, kind, status_code=status_of(exc), form=form, errors=errors)
    return page.redirect("/portal/invitations?done=sent")


async def _changed(page: Page, invitation_id: uuid.UUID, done: str) -> Response:
    """After a resend or a revoke: htmx swaps the row in place; a plain form goes back to the list."""
    if not page.is_htmx:
        return page.redirect(f"/portal/invitations?done={done}")
    t = await page.tenancy(Resource.INVITATION, Action.READ)
    now = page.services.clock.now()
    row = await t.read(lambda uow: _rows(uow, [invitations.get_invitation(uow, invitation_id)], now)[0])
    return page.render("partials/people_invitation_row.html", row=row, labels=Labels(page),
                       flash=page._(DONE[done]))


@router.post("/portal/invitations/{invitation_id}/resend", response_class=HTMLResponse)
async def invitation_resend(page: Operator, invitation_id: uuid.UUID) -> Response:
    await people_flows.resend_invitation(await page.tenancy(Resource.INVITATION, Action.CREATE), invitation_id)
    return await _changed(page, invitation_id, "resent")


@router.post("/portal/invitations/{invitation_id}/revoke", response_class=HTMLResponse)
async def invitation_revoke(page: Operator, invitation_id: uuid.UUID) -> Response:
    await people_flows.revoke_invitation(await page.tenancy(Resource.INVITATION, Action.DELETE), invitation_id)
    return await _changed(page, invitation_id, "revoked")
