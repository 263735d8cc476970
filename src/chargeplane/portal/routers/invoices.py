"""Invoices in the portal: the list with the two ways to draft (a customer's charging in a period, each
member of an account), one invoice (issue, credit, record payment, PDF) and the public page the payer's
email links to (`/invoices/{token}`: the invoice, its PDF; the Stripe Checkout button comes later).
The same domain functions as the API's invoice routes."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from chargeplane.api.pagination import next_cursor
from chargeplane.api.routers.invoices import mail_pdf, pdf_response
from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.billing import drafting, issuing, queries
from chargeplane.domain.billing.schemas import InvoiceRead
from chargeplane.domain.errors import DomainError, NotFound
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.tenancy.models import Account
from chargeplane.portal.pages import Page
from chargeplane.portal.people_support import choice, form_errors, next_page, safe_cursor, status_of
from chargeplane.portal.security import link_page, operator_page, services_of

router = APIRouter()

Operator = Annotated[Page, Depends(operator_page)]
PAGE_SIZE = 50
STATUSES = ("draft", "issued", "paid", "credited")
KINDS = ("invoice", "credit_note")
FIELDS = ("issuer", "payer", "period", "account", "cdr_ids")
TENANT = "tenant"


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value and value != TENANT else None
    except ValueError:
        return None


def _billing(period: str, account: str) -> tuple[date, date, uuid.UUID]:
    """A form's period and account (the payer, or the account whose members are billed), checked."""
    start, end = drafting.parse_period(period)
    account_id = _uuid(account)
    if account_id is None:
        raise NotFound("account not found")
    return start, end, account_id


async def _list(page: Page, request: Request, *, status: str = "", kind: str = "", cursor: str = "",
                form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                status_code: int = 200) -> Response:
    t = await page.tenancy(Resource.INVOICE, Action.READ)
    where = queries.InvoiceFilter(status=choice(status, STATUSES), kind=choice(kind, KINDS))
    after = safe_cursor(cursor)

    def read(uow: UnitOfWork) -> tuple[list[InvoiceRead], list[tuple[str, str]]]:
        rows = queries.list_invoices(uow, where=where, limit=PAGE_SIZE, after=after)
        accounts = [(str(a.id), a.name) for a in uow.session.scalars(select(Account).order_by(Account.name))]
        return rows, accounts

    rows, accounts = await t.read(read)
    issuers = ([(TENANT, page.brand.name)] if page.principal.tenant_wide else []) + accounts
    return page.render("operator/invoices.html", status_code=status_code, section="invoices", rows=rows,
                       status=where.status or "", kind=where.kind or "", issuers=issuers, accounts=accounts,
                       can_create=page.principal.can(Resource.INVOICE, Action.CREATE), form=form or {},
                       errors=errors or {}, next_url=next_page(request, next_cursor(rows, PAGE_SIZE)))


@router.get("/portal/invoices", response_class=HTMLResponse)
async def invoices(page: Operator, request: Request, status: str = "", kind: str = "", cursor: str = "") -> Response:
    return await _list(page, request, status=status, kind=kind, cursor=cursor)


@router.post("/portal/invoices", response_class=HTMLResponse)
async def draft_for_customer(page: Operator, request: Request, issuer: Annotated[str, Form()] = "",
                             payer: Annotated[str, Form()] = "", period: Annotated[str, Form()] = "") -> Response:
    """A customer's uninvoiced charging at the issuer's chargers in a month or quarter."""
    t = await page.tenancy(Resource.INVOICE, Action.CREATE)
    now = page.services.clock.now()
    try:
        start, end, payer_id = _billing(period, payer)
        invoice_id = await t.write(lambda uow: drafting.draft_customer_invoice(
            uow, issuer_account_id=_uuid(issuer), payer_account_id=payer_id, start=start, end=end, now=now).id)
    except DomainError as exc:
        form = {"issuer": issuer, "payer": payer, "period": period}
        errors = form_errors(page, exc, FIELDS, {"payer_account_id": "payer"})
        return await _list(page, request, form=form, errors=errors, status_code=status_of(exc))
    return page.redirect(f"/portal/invoices/{invoice_id}")


@router.post("/portal/invoices/members", response_class=HTMLResponse)
async def draft_for_members(page: Operator, request: Request, account: Annotated[str, Form()] = "",
                            period: Annotated[str, Form()] = "") -> Response:
    """One draft per member of the account who charged at its chargers in the period."""
    t = await page.tenancy(Resource.INVOICE, Action.CREATE)
    now = page.services.clock.now()
    try:
        start, end, account_id = _billing(period, account)
        await t.write(lambda uow: drafting.draft_member_invoices(uow, account_id=account_id, start=start, end=end,
                                                                 now=now))
    except DomainError as exc:
        return await _list(page, request, form={"account": account, "member_period": period},
                           errors=form_errors(page, exc, FIELDS), status_code=status_of(exc))
    return page.redirect("/portal/invoices?status=draft")


@router.get("/portal/invoices/{invoice_id}", response_class=HTMLResponse)
async def invoice(page: Operator, invoice_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.INVOICE, Action.READ)
    base_url = page.services.settings.base_url

    def read(uow: UnitOfWork) -> tuple[InvoiceRead, queries.PublicInvoice, list[InvoiceRead], set[int]]:
        row = queries.get_invoice(uow, invoice_id)
        view = queries.public_view(uow, invoice_id, base_url=base_url)
        notes = queries.list_invoices(uow, where=queries.InvoiceFilter(kind="credit_note"), limit=500)
        return (InvoiceRead.model_validate(row), view, [n for n in notes if n.corrects_id == invoice_id],
                issuing.credited_positions(uow, row))

    found, view, notes, credited = await t.read(read)
    return page.render("operator/invoice.html", section="invoices", invoice=found, doc=view.document, notes=notes,
                       credited=credited, base_url=base_url,
                       can_update=page.principal.can(Resource.INVOICE, Action.UPDATE),
                       can_delete=page.principal.can(Resource.INVOICE, Action.DELETE))


@router.get("/portal/invoices/{invoice_id}/pdf")
async def invoice_pdf(page: Operator, invoice_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.INVOICE, Action.READ)
    base_url = page.services.settings.base_url
    return await pdf_response(*await t.read(lambda uow: queries.invoice_document(uow, invoice_id,
                                                                               base_url=base_url)))


@router.post("/portal/invoices/{invoice_id}/credit", response_class=HTMLResponse)
async def credit(page: Operator, invoice_id: uuid.UUID, request: Request,
                 reason: Annotated[str, Form()] = "") -> Response:
    t = await page.tenancy(Resource.INVOICE, Action.UPDATE)
    now, base_url = page.services.clock.now(), page.services.settings.base_url
    positions = [int(v) for v in (await request.form()).getlist("lines") if isinstance(v, str) and v.isdigit()]
    note_id = await t.write(lambda uow: issuing.credit_invoice(
        uow, invoice_id=invoice_id, positions=positions or None, reason=reason, now=now, base_url=base_url).id)
    await mail_pdf(t, note_id)
    return page.redirect(f"/portal/invoices/{note_id}")


@router.post("/portal/invoices/{invoice_id}/{step}", response_class=HTMLResponse)
async def invoice_action(page: Operator, invoice_id: uuid.UUID, step: str) -> Response:
    """issue (number, freeze, email), paid (record a payment), delete (a draft)."""
    now, base_url = page.services.clock.now(), page.services.settings.base_url
    if step == "issue":
        t = await page.tenancy(Resource.INVOICE, Action.UPDATE)
        await t.write(lambda uow: issuing.issue_invoice(uow, invoice_id=invoice_id, now=now, base_url=base_url))
        await mail_pdf(t, invoice_id)
    elif step == "paid":
        t = await page.tenancy(Resource.INVOICE, Action.UPDATE)
        await t.write(lambda uow: issuing.mark_paid(uow, invoice_id=invoice_id, now=now))
    elif step == "delete":
        t = await page.tenancy(Resource.INVOICE, Action.DELETE)
        await t.write(lambda uow: drafting.delete_draft(uow, invoice_id=invoice_id))
        return page.redirect("/portal/invoices")
    else:
        raise NotFound(page._("Unknown action."))
    return page.redirect(f"/portal/invoices/{invoice_id}")


async def _public(request: Request, token: str) -> tuple[Page, uuid.UUID, uuid.UUID]:
    """The page in the brand of the invoice's tenant, the tenant and the invoice the token names."""
    services = services_of(request)
    found = await services.db.read(Scope.installation("public invoice link"),
                                   lambda uow: queries.find_public(uow, token))
    if found is None:
        raise NotFound("invoice not found")
    tenant_id, invoice_id = found
    return await link_page(request, tenant_id), tenant_id, invoice_id


@router.get("/invoices/{token}", response_class=HTMLResponse)
async def public_invoice(request: Request, token: str) -> Response:
    """Anyone with the link: the invoice as the payer reads it, its PDF (and, later, the payment button)."""
    page, tenant_id, invoice_id = await _public(request, token)
    base_url = page.services.settings.base_url
    view = await page.services.db.read(Scope.tenant(tenant_id),
                                       lambda uow: queries.public_view(uow, invoice_id, base_url=base_url))
    return page.render("invoice_public.html", view=view, doc=view.document, token=token)


@router.get("/invoices/{token}/pdf")
async def public_pdf(request: Request, token: str) -> Response:
    page, tenant_id, invoice_id = await _public(request, token)
    base_url = page.services.settings.base_url
    return await pdf_response(*await page.services.db.read(
        Scope.tenant(tenant_id), lambda uow: queries.invoice_document(uow, invoice_id, base_url=base_url)))
