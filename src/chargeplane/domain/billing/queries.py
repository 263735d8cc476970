"""Reading invoices: lists for the operator, one by id, one by its public token, and its PDF."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.billing.document import Document, build_document
from chargeplane.domain.billing.models import Invoice
from chargeplane.domain.billing.schemas import InvoiceRead
from chargeplane.domain.errors import NotFound
from chargeplane.domain.keyset import newest_first


@dataclass(frozen=True, slots=True)
class InvoiceFilter:
    status: str | None = None
    kind: str | None = None
    payer_account_id: uuid.UUID | None = None


def list_invoices(uow: UnitOfWork, *, where: InvoiceFilter, limit: int,
                  after: tuple[Any, uuid.UUID] | None = None) -> list[InvoiceRead]:
    q = select(Invoice)
    if where.status:
        q = q.where(Invoice.status == where.status)
    if where.kind:
        q = q.where(Invoice.kind == where.kind)
    if where.payer_account_id:
        q = q.where(Invoice.payer_account_id == where.payer_account_id)
    return [InvoiceRead.model_validate(x) for x in uow.session.scalars(newest_first(q, Invoice, after=after,
                                                                                  limit=limit))]


def get_invoice(uow: UnitOfWork, invoice_id: uuid.UUID) -> Invoice:
    invoice = uow.session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("invoice not found")
    return invoice


def read_invoice(uow: UnitOfWork, invoice_id: uuid.UUID) -> InvoiceRead:
    return InvoiceRead.model_validate(get_invoice(uow, invoice_id))


def invoice_document(uow: UnitOfWork, invoice_id: uuid.UUID, *, base_url: str) -> tuple[str, Document]:
    """The PDF's file name and what it prints (a draft without a number). Drawing it (`pdf.render_pdf`)
    takes a CPU-bound moment: callers do it off the event loop and outside any unit of work."""
    invoice = get_invoice(uow, invoice_id)
    return pdf_name(invoice), build_document(uow, invoice, base_url=base_url)


def emailed_document(uow: UnitOfWork, invoice_id: uuid.UUID, *, base_url: str) -> tuple[str, Document] | None:
    """What `invoice_document` gives, for an invoice whose email waits for its PDF (else None)."""
    invoice = uow.session.get(Invoice, invoice_id)
    if invoice is None or invoice.email_message_id is None:
        return None
    return pdf_name(invoice), build_document(uow, invoice, base_url=base_url)


def pdf_name(invoice: Invoice) -> str:
    return f"{invoice.number or 'draft-' + str(invoice.id)[:8]}.pdf"


@dataclass(frozen=True, slots=True)
class PublicInvoice:
    invoice_id: uuid.UUID
    file_name: str
    status: str
    kind: str
    document: Document


def find_public(uow: UnitOfWork, token: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(tenant id, invoice id) of the issued invoice with this token, looked up across the installation
    (`Scope.installation`): whoever holds the unguessable link may read that one invoice."""
    if not token or len(token) > 64:
        return None
    found = uow.session.execute(select(Invoice.tenant_id, Invoice.id).where(Invoice.public_token == token)).first()
    return None if found is None else (found.tenant_id, found.id)


def public_view(uow: UnitOfWork, invoice_id: uuid.UUID, *, base_url: str) -> PublicInvoice:
    """Run in the invoice's tenant, with the id `find_public` gave."""
    invoice = get_invoice(uow, invoice_id)
    return PublicInvoice(invoice_id=invoice.id, file_name=pdf_name(invoice), status=invoice.status,
                         kind=invoice.kind, document=build_document(uow, invoice, base_url=base_url))
