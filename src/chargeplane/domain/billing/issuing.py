"""Issuing (the number, the freeze, the email with the payment link), credit notes and payments."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.billing import profiles
from chargeplane.domain.billing.drafting import get_draft, set_totals
from chargeplane.domain.billing.lines import negated
from chargeplane.domain.billing.models import Invoice, InvoicedSession, InvoiceLine
from chargeplane.domain.billing.numbering import next_number
from chargeplane.domain.billing.regions import format_date, format_money, get_region
from chargeplane.domain.errors import Conflict, Invalid, NotFound
from chargeplane.domain.messaging.attachments import Attachment, attach
from chargeplane.domain.messaging.outbox import queue_message
from chargeplane.domain.tenancy.models import Tenant

PUBLIC_PATH = "/invoices/"
PDF_WAIT = timedelta(minutes=2)


def public_link(base_url: str, invoice: Invoice) -> str:
    return f"{base_url}{PUBLIC_PATH}{invoice.public_token}"


def issue_invoice(uow: UnitOfWork, *, invoice_id: uuid.UUID, now: datetime, base_url: str) -> Invoice:
    """Number the draft (the issuer's next number, no gap), freeze it and email it to the payer."""
    invoice = get_draft(uow, invoice_id)
    if not invoice.lines:
        raise Invalid("an invoice needs at least one line", field="lines")
    _number(uow, invoice, now=now)
    _email(uow, invoice, now=now, base_url=base_url)
    return invoice


def _number(uow: UnitOfWork, invoice: Invoice, *, now: datetime) -> None:
    tenant = uow.session.get(Tenant, uow.tenant_id)
    assert tenant is not None
    today = now.astimezone(ZoneInfo(tenant.time_zone)).date()
    issuer = profiles.issuer(uow, invoice.account_id)
    invoice.number = next_number(uow, issuer_key=invoice.issuer_key, kind=invoice.kind, year=today.year)
    invoice.issue_date = today
    invoice.due_date = today + timedelta(days=issuer.payment_days if invoice.kind == "invoice" else 0)
    invoice.public_token = secrets.token_urlsafe(24)
    invoice.issued_at = now
    invoice.status = "issued"
    uow.session.flush()


def _email(uow: UnitOfWork, invoice: Invoice, *, now: datetime, base_url: str) -> None:
    if not invoice.payer_email:
        return  # the issuer hands it over itself (the PDF, the public link)
    tenant = uow.session.get(Tenant, uow.tenant_id)
    assert tenant is not None
    region = get_region(invoice.region)
    issuer = profiles.issuer(uow, invoice.account_id)
    message = queue_message(uow, channel="email", recipient=invoice.payer_email, language=invoice.language,
                  template="invoice_issued" if invoice.kind == "invoice" else "credit_note_issued",
                  params={"name": invoice.payer_name, "issuer": issuer.name, "number": invoice.number or "",
                          "total": format_money(region, invoice.total_incl_vat, invoice.currency),
                          "due": format_date(region, invoice.due_date), "link": public_link(base_url, invoice),
                          "tenant": tenant.display_name or tenant.name},
                  now=now)
    # The PDF is drawn after the commit, off the committer (`attach_pdf`); the email waits for it a
    # little, and leaves with the link alone should it never come.
    message.next_attempt_at = now + PDF_WAIT
    invoice.email_message_id = message.id


def attach_pdf(uow: UnitOfWork, *, invoice_id: uuid.UUID, pdf: bytes, file_name: str, now: datetime) -> bool:
    """Attach the drawn PDF to the payer's email and send it now; False when there is no email waiting."""
    invoice = uow.session.get(Invoice, invoice_id)
    if invoice is None or invoice.email_message_id is None:
        return False
    return attach(uow, message_id=invoice.email_message_id, now=now,
                  attachments=[Attachment(file_name, "application/pdf", pdf)])


def credited_positions(uow: UnitOfWork, invoice: Invoice) -> set[int]:
    notes = select(Invoice.id).where(Invoice.corrects_id == invoice.id)
    return {p for p in uow.session.scalars(select(InvoiceLine.credits_position)
                                           .where(InvoiceLine.invoice_id.in_(notes))) if p is not None}


def credit_invoice(uow: UnitOfWork, *, invoice_id: uuid.UUID, positions: list[int] | None, reason: str | None,
                   now: datetime, base_url: str) -> Invoice:
    """Issue a credit note negating the given lines of an issued invoice (all lines not yet credited when
    none are given). Credited sessions may be invoiced again (say, after a corrected CDR)."""
    invoice = uow.session.get(Invoice, invoice_id)
    if invoice is None or invoice.kind != "invoice":
        raise NotFound("invoice not found")
    if invoice.status not in ("issued", "paid"):
        raise Conflict("only an issued invoice can be credited (this one is %(status)s)", status=invoice.status)
    done = credited_positions(uow, invoice)
    remaining = [line.position for line in invoice.lines if line.position not in done]
    chosen = sorted(set(positions)) if positions else remaining
    if not chosen:
        raise Conflict("every line of this invoice is already credited")
    if unknown := [p for p in chosen if p not in remaining]:
        raise Conflict("lines %(positions)s do not exist or are already credited",
                       positions=", ".join(map(str, unknown)))
    note = Invoice(account_id=invoice.account_id, issuer_key=invoice.issuer_key, kind="credit_note", status="draft",
                   payer_account_id=invoice.payer_account_id, payer_user_id=invoice.payer_user_id,
                   payer_name=invoice.payer_name, payer_email=invoice.payer_email,
                   payer_details=invoice.payer_details, currency=invoice.currency, language=invoice.language,
                   region=invoice.region, period_start=invoice.period_start, period_end=invoice.period_end,
                   corrects_id=invoice.id, note=(reason or "").strip() or None, created_at=now)
    by_position = {line.position: line for line in invoice.lines}
    note.lines.extend(negated(by_position[p]) for p in chosen)
    for position, line in enumerate(note.lines, start=1):
        line.position = position
    set_totals(note)
    uow.session.add(note)
    uow.session.flush()
    released = {by_position[p].cdr_id for p in chosen} - {None}
    for claim in uow.session.scalars(select(InvoicedSession).where(InvoicedSession.invoice_id == invoice.id,
                                                                    InvoicedSession.cdr_id.in_(released))):
        uow.session.delete(claim)
    if len(done) + len(chosen) == len(invoice.lines):
        invoice.status = "credited"
    _number(uow, note, now=now)
    _email(uow, note, now=now, base_url=base_url)
    return note


def mark_paid(uow: UnitOfWork, *, invoice_id: uuid.UUID, now: datetime) -> Invoice:
    """Record the payment (Stripe's webhook will call this). Paying twice changes nothing twice."""
    invoice = uow.session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("invoice not found")
    if invoice.status == "paid":
        return invoice
    if invoice.status != "issued" or invoice.kind != "invoice":
        raise Conflict("only an issued invoice can be paid (this one is %(status)s)", status=invoice.status)
    invoice.status, invoice.paid_at = "paid", now
    uow.session.flush()
    return invoice
