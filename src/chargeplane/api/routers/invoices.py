"""Invoices: drafts from CDRs or a billing period, issue (numbered, frozen, emailed), credit notes, PDFs.

Tenant admins and the admins of the issuing account draft and issue; members read. An account admin
names its own account as the issuer (the tenancy gate refuses any other)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Response

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.api.problems import Problem
from chargeplane.db import UnitOfWork
from chargeplane.domain.billing import drafting, issuing, profiles, queries
from chargeplane.domain.billing.document import Document
from chargeplane.domain.billing.models import Invoice
from chargeplane.domain.billing.pdf import render_pdf
from chargeplane.domain.billing.schemas import (
    BillingProfileRead,
    BillingProfileUpdate,
    CreditNoteCreate,
    InvoiceDraftCreate,
    InvoiceRead,
    InvoiceUpdate,
    MemberBillingCreate,
)
from chargeplane.domain.errors import Invalid
from chargeplane.domain.identity.permissions import Action, Resource

router = APIRouter(prefix="/invoices", tags=["invoices"])

ReadInvoice = Annotated[Tenancy, Depends(permit(Resource.INVOICE, Action.READ))]
CreateInvoice = Annotated[Tenancy, Depends(permit(Resource.INVOICE, Action.CREATE))]
UpdateInvoice = Annotated[Tenancy, Depends(permit(Resource.INVOICE, Action.UPDATE))]
DeleteInvoice = Annotated[Tenancy, Depends(permit(Resource.INVOICE, Action.DELETE))]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "no such invoice"}}
FROZEN: dict[int | str, dict[str, Any]] = {**NOT_FOUND, 409: {"model": Problem, "description": "already issued"}}


def _read(invoice: Invoice) -> InvoiceRead:
    return InvoiceRead.model_validate(invoice)


@router.get("", response_model=Page[InvoiceRead], operation_id="list_invoices")
async def list_invoices(t: ReadInvoice, status: Literal["draft", "issued", "paid", "credited"] | None = None,
                        kind: Literal["invoice", "credit_note"] | None = None,
                        payer_account_id: uuid.UUID | None = None, limit: Limit = DEFAULT_LIMIT,
                        cursor: Cursor = None) -> dict[str, Any]:
    """Newest first: invoices and credit notes the caller's accounts issued (all of the tenant's for staff)."""
    where = queries.InvoiceFilter(status=status, kind=kind, payer_account_id=payer_account_id)
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: queries.list_invoices(uow, where=where, limit=limit, after=after))
    return page(rows, rows, limit)


@router.post("", response_model=InvoiceRead, status_code=201, operation_id="create_invoice_draft",
             responses={409: {"model": Problem, "description": "a CDR is already invoiced"},
                        422: {"model": Problem, "description": "nothing to bill, or not one payer"}})
async def create_draft(body: InvoiceDraftCreate, t: CreateInvoice) -> InvoiceRead:
    """A draft from `cdr_ids`, or from every uninvoiced CDR of the payer account's cards at the issuer's
    chargers in `period`. Nothing is numbered until the draft is issued."""
    now = t.services.clock.now()

    def unit(uow: UnitOfWork) -> InvoiceRead:
        if body.cdr_ids:
            start_end = drafting.parse_period(body.period) if body.period else None
            return _read(drafting.draft_invoice(
                uow, issuer_account_id=body.issuer_account_id, cdr_ids=body.cdr_ids, period=start_end,
                payer_account_id=body.payer_account_id, payer_user_id=body.payer_user_id, note=body.note, now=now))
        if body.period and body.payer_account_id:
            start, end = drafting.parse_period(body.period)
            return _read(drafting.draft_customer_invoice(
                uow, issuer_account_id=body.issuer_account_id, payer_account_id=body.payer_account_id, start=start,
                end=end, now=now))
        raise Invalid("give cdr_ids, or a period and a payer_account_id", field="cdr_ids")

    return await t.write(unit)


@router.post("/member-billing", response_model=list[InvoiceRead], status_code=201,
             operation_id="create_member_invoice_drafts")
async def create_member_drafts(body: MemberBillingCreate, t: CreateInvoice) -> list[InvoiceRead]:
    """One draft per member of the account (a housing cooperative) who charged at its chargers in the period."""
    now = t.services.clock.now()
    start, end = drafting.parse_period(body.period)
    return await t.write(lambda uow: [_read(x) for x in drafting.draft_member_invoices(
        uow, account_id=body.account_id, start=start, end=end, now=now)])


@router.get("/billing-profile", response_model=BillingProfileRead, operation_id="get_billing_profile")
async def get_billing_profile(t: ReadInvoice, account_id: uuid.UUID | None = None) -> BillingProfileRead:
    """How the issuer (the tenant, or `account_id`) appears on invoices: region, legal details, IBAN."""
    def unit(uow: UnitOfWork) -> BillingProfileRead:
        issuer = profiles.issuer(uow, account_id)
        return BillingProfileRead(account_id=account_id, region=issuer.region, legal_name=issuer.name,
                                  address=issuer.address, registration_number=issuer.registration_number,
                                  vat_number=issuer.vat_number, iban=issuer.iban, email=issuer.email,
                                  payment_days=issuer.payment_days)

    return await t.read(unit)


@router.put("/billing-profile", response_model=BillingProfileRead, operation_id="set_billing_profile")
async def set_billing_profile(body: BillingProfileUpdate, t: UpdateInvoice,
                              account_id: uuid.UUID | None = None) -> BillingProfileRead:
    changes = body.model_dump(exclude_unset=True)
    return await t.write(lambda uow: BillingProfileRead.model_validate(
        profiles.set_profile(uow, account_id=account_id, changes=changes)))


@router.get("/{invoice_id}", response_model=InvoiceRead, operation_id="get_invoice", responses=NOT_FOUND)
async def get_invoice(invoice_id: uuid.UUID, t: ReadInvoice) -> InvoiceRead:
    return await t.read(lambda uow: queries.read_invoice(uow, invoice_id))


@router.patch("/{invoice_id}", response_model=InvoiceRead, operation_id="update_invoice_draft", responses=FROZEN)
async def update_draft(invoice_id: uuid.UUID, body: InvoiceUpdate, t: UpdateInvoice) -> InvoiceRead:
    """Only a draft changes; an issued invoice is corrected by a credit note."""
    return await t.write(lambda uow: _read(drafting.update_draft(uow, invoice_id=invoice_id, note=body.note)))


@router.delete("/{invoice_id}", status_code=204, response_class=Response, operation_id="delete_invoice_draft",
               responses=FROZEN)
async def delete_draft(invoice_id: uuid.UUID, t: DeleteInvoice) -> Response:
    await t.write(lambda uow: drafting.delete_draft(uow, invoice_id=invoice_id))
    return Response(status_code=204)


@router.post("/{invoice_id}/issue", response_model=InvoiceRead, operation_id="issue_invoice", responses=FROZEN)
async def issue(invoice_id: uuid.UUID, t: UpdateInvoice) -> InvoiceRead:
    """Give the draft the issuer's next number, freeze it and email it to the payer with its link."""
    now, base_url = t.services.clock.now(), t.services.settings.base_url
    await t.write(lambda uow: issuing.issue_invoice(uow, invoice_id=invoice_id, now=now, base_url=base_url))
    await mail_pdf(t, invoice_id)
    return await t.read(lambda uow: queries.read_invoice(uow, invoice_id))


@router.post("/{invoice_id}/credit-notes", response_model=InvoiceRead, status_code=201,
             operation_id="credit_invoice", responses=FROZEN)
async def credit(invoice_id: uuid.UUID, body: CreditNoteCreate, t: UpdateInvoice) -> InvoiceRead:
    """An issued credit note negating the given line positions (every line not yet credited by default)."""
    now, base_url = t.services.clock.now(), t.services.settings.base_url
    note_id = await t.write(lambda uow: issuing.credit_invoice(
        uow, invoice_id=invoice_id, positions=body.lines, reason=body.reason, now=now, base_url=base_url).id)
    await mail_pdf(t, note_id)
    return await t.read(lambda uow: queries.read_invoice(uow, note_id))


@router.post("/{invoice_id}/payment", response_model=InvoiceRead, operation_id="mark_invoice_paid",
             responses=FROZEN)
async def mark_paid(invoice_id: uuid.UUID, t: UpdateInvoice) -> InvoiceRead:
    """Record that the invoice was paid (a bank transfer); Stripe payments will record themselves."""
    now = t.services.clock.now()
    return await t.write(lambda uow: _read(issuing.mark_paid(uow, invoice_id=invoice_id, now=now)))


@router.get("/{invoice_id}/pdf", operation_id="download_invoice_pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}, **NOT_FOUND})
async def download_pdf(invoice_id: uuid.UUID, t: ReadInvoice) -> Response:
    base_url = t.services.settings.base_url
    return await pdf_response(*await t.read(lambda uow: queries.invoice_document(uow, invoice_id, base_url=base_url)))


async def pdf_response(name: str, doc: Document) -> Response:
    """The PDF drawn in a worker thread: a page of text with a subset font takes ~0.1 s of CPU."""
    pdf = await asyncio.to_thread(render_pdf, doc)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def mail_pdf(t: Tenancy, invoice_id: uuid.UUID) -> None:
    """Draw the just-issued invoice's PDF (in a worker thread, after the issuing commit) and attach it to
    the payer's email, which then leaves at once."""
    base_url = t.services.settings.base_url
    found = await t.read(lambda uow: queries.emailed_document(uow, invoice_id, base_url=base_url))
    if found is None:
        return
    name, doc = found
    pdf = await asyncio.to_thread(render_pdf, doc)
    now = t.services.clock.now()
    await t.write(lambda uow: issuing.attach_pdf(uow, invoice_id=invoice_id, pdf=pdf, file_name=name, now=now))
