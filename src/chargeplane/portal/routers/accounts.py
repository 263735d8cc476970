"""Accounts and sub-accounts (`/portal/accounts`): the tree the viewer sees, one account with its
sub-accounts, members and holdings, and the forms to open, change and close one. The same domain
calls as the API's accounts routes; the domain's messages (VAT, IBAN, business fields) stand next to
the fields they are about."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from chargeplane.api.pagination import MAX_LIMIT
from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import DomainError
from chargeplane.domain.identity import users
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.identity.schemas import UserRead
from chargeplane.domain.tenancy.account_changes import close_account, open_account, update_account
from chargeplane.domain.tenancy.account_queries import account_tree, holdings, list_accounts, names_of
from chargeplane.domain.tenancy.accounts import get_account
from chargeplane.domain.tenancy.schemas import AccountCreate, AccountNode, AccountRead, AccountUpdate
from chargeplane.portal.pages import N_, Page
from chargeplane.portal.people_support import Labels, blank, form_errors, status_of
from chargeplane.portal.problems import say
from chargeplane.portal.security import operator_page

router = APIRouter()

Operator = Annotated[Page, Depends(operator_page)]
FIELDS = ("name", "kind", "parent_id", "relation", "legal_name", "registration_number", "vat_number",
          "billing_address", "email", "reimbursement_rate", "reimbursement_currency", "payee_iban")
DONE = {"created": N_("The account is created."), "saved": N_("The changes are saved."),
        "closed": N_("The account is closed.")}


def _forest(rows: list[AccountRead]) -> list[AccountNode]:
    """The accounts as trees: those whose parent the viewer does not see are the roots; by name."""
    nodes = {row.id: AccountNode(**row.model_dump()) for row in sorted(rows, key=lambda r: r.name.lower())}
    roots = []
    for node in nodes.values():
        if node.parent_id in nodes:
            nodes[node.parent_id].children.append(node)
        else:
            roots.append(node)
    return roots


@router.get("/portal/accounts", response_class=HTMLResponse)
async def account_list(page: Operator, done: str = "") -> Response:
    t = await page.tenancy(Resource.ACCOUNT, Action.READ)
    rows = await t.read(lambda uow: [AccountRead.model_validate(a) for a in
                                     list_accounts(uow, parent_id=None, limit=MAX_LIMIT)])
    message = DONE.get(done)
    return page.render("operator/accounts.html", section="accounts", roots=_forest(rows), count=len(rows),
                       capped=len(rows) >= MAX_LIMIT, labels=Labels(page), done=page._(message) if message else None)


@dataclass(frozen=True, slots=True)
class AccountView:
    account: AccountNode  # with its sub-accounts
    parent_name: str | None
    holdings: dict[str, int]
    members: list[UserRead] | None  # None: the viewer may not read users


async def _show(page: Page, account_id: uuid.UUID, *, status_code: int = 200, error: str | None = None) -> Response:
    t = await page.tenancy(Resource.ACCOUNT, Action.READ)
    may_users = page.principal.can(Resource.USER, Action.READ)

    def unit(uow: UnitOfWork) -> AccountView:
        tree = account_tree(uow, account_id)
        parent = names_of(uow, [tree.parent_id]).get(tree.parent_id) if tree.parent_id else None
        members = users.describe_users(uow, users.list_users(uow, account_id=account_id, limit=MAX_LIMIT))
        return AccountView(account=tree, parent_name=parent, holdings=holdings(uow, account_id),
                           members=members if may_users else None)

    view = await t.read(unit)
    message = DONE.get(page.request.query_params.get("done", ""))
    return page.render("operator/account.html", status_code=status_code, section="accounts", view=view,
                       account=view.account, labels=Labels(page), error=error,
                       done=page._(message) if message else None)


@router.get("/portal/accounts/new", response_class=HTMLResponse)
async def account_new(page: Operator, parent_id: str = "") -> Response:
    return await _form(page, None, form={"parent_id": parent_id, "relation": "employee" if parent_id else ""})


@router.get("/portal/accounts/{account_id}", response_class=HTMLResponse)
async def account_page(page: Operator, account_id: uuid.UUID) -> Response:
    return await _show(page, account_id)


async def _form(page: Page, account_id: uuid.UUID | None, *, status_code: int = 200,
                form: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> HTMLResponse:
    """The form to open an account (`account_id` None) or to change one."""
    action = Action.CREATE if account_id is None else Action.UPDATE
    t = await page.tenancy(Resource.ACCOUNT, action)

    def unit(uow: UnitOfWork) -> tuple[AccountRead | None, list[tuple[uuid.UUID, str]]]:
        current = AccountRead.model_validate(get_account(uow, account_id)) if account_id else None
        accounts = [(a.id, a.name) for a in list_accounts(uow, parent_id=None, limit=MAX_LIMIT)]
        return current, sorted(accounts, key=lambda pair: pair[1].lower())

    current, accounts = await t.read(unit)
    values = {name: "" if value is None else str(value) for name, value in (current.model_dump() if current else {})
              .items()}
    return page.render("operator/account_form.html", status_code=status_code, section="accounts", account=current,
                       accounts=accounts, form=values | (form or {}), errors=errors or {}, labels=Labels(page),
                       top_level_allowed=page.principal.tenant_wide)


def _submitted(form: dict[str, str]) -> dict[str, Any]:
    """The form's values as the account schemas take them: an empty field is no value."""
    return {name: value.strip() if name == "name" else blank(value) for name, value in form.items()}


AccountForm = dict[str, str]


async def _account_form(name: Annotated[str, Form()] = "", kind: Annotated[str, Form()] = "",
                        parent_id: Annotated[str, Form()] = "", relation: Annotated[str, Form()] = "",
                        legal_name: Annotated[str, Form()] = "", registration_number: Annotated[str, Form()] = "",
                        vat_number: Annotated[str, Form()] = "", billing_address: Annotated[str, Form()] = "",
                        email: Annotated[str, Form()] = "", reimbursement_rate: Annotated[str, Form()] = "",
                        reimbursement_currency: Annotated[str, Form()] = "",
                        payee_iban: Annotated[str, Form()] = "") -> AccountForm:
    return {"name": name, "kind": kind or "standard", "parent_id": parent_id, "relation": relation,
            "legal_name": legal_name, "registration_number": registration_number, "vat_number": vat_number,
            "billing_address": billing_address, "email": email, "reimbursement_rate": reimbursement_rate,
            "reimbursement_currency": reimbursement_currency, "payee_iban": payee_iban}


Submitted = Annotated[AccountForm, Depends(_account_form)]


@router.post("/portal/accounts/new", response_class=HTMLResponse)
async def account_create(page: Operator, form: Submitted) -> Response:
    t = await page.tenancy(Resource.ACCOUNT, Action.CREATE)
    now = page.services.clock.now()
    try:
        fields = AccountCreate.model_validate(_submitted(form)).model_dump()
        created = await t.write(lambda uow: open_account(uow, fields=fields, actor=t.principal, now=now).id)
    except (DomainError, ValidationError) as exc:
        return await _form(page, None, status_code=status_of(exc), form=form, errors=form_errors(page, exc, FIELDS))
    return page.redirect(f"/portal/accounts/{created}?done=created")


@router.get("/portal/accounts/{account_id}/edit", response_class=HTMLResponse)
async def account_edit(page: Operator, account_id: uuid.UUID) -> Response:
    return await _form(page, account_id)


@router.post("/portal/accounts/{account_id}/edit", response_class=HTMLResponse)
async def account_update(page: Operator, account_id: uuid.UUID, form: Submitted) -> Response:
    t = await page.tenancy(Resource.ACCOUNT, Action.UPDATE)
    now = page.services.clock.now()
    try:
        changes = AccountUpdate.model_validate({k: v for k, v in _submitted(form).items() if k != "parent_id"})
        await t.write(lambda uow: update_account(uow, account_id=account_id, changes=changes.model_dump(),
                                                 actor=t.principal, now=now))
    except (DomainError, ValidationError) as exc:
        return await _form(page, account_id, status_code=status_of(exc), form=form,
                           errors=form_errors(page, exc, FIELDS))
    return page.redirect(f"/portal/accounts/{account_id}?done=saved")


@router.post("/portal/accounts/{account_id}/delete", response_class=HTMLResponse)
async def account_delete(page: Operator, account_id: uuid.UUID) -> Response:
    """Only an empty account closes; otherwise its page says what it still holds."""
    t = await page.tenancy(Resource.ACCOUNT, Action.DELETE)
    now = page.services.clock.now()
    try:
        await t.write(lambda uow: close_account(uow, account_id=account_id, actor=t.principal, now=now))
    except DomainError as exc:
        return await _show(page, account_id, status_code=status_of(exc), error=say(page, exc))
    return page.redirect("/portal/accounts?done=closed")
