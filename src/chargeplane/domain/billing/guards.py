"""Issued invoices are frozen: a flush that changes one (other than its status moving on, or being
paid) or any of its lines is refused, whichever code tries it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper

from chargeplane.domain.billing.models import Invoice, InvoiceLine
from chargeplane.domain.errors import Conflict

# What may still change after issue: the status (paid, credited), when it was paid, and which email
# carried it (bookkeeping, not what the invoice says).
MUTABLE_AFTER_ISSUE = frozenset({"status", "paid_at", "email_message_id"})


def _frozen_refusal() -> Conflict:
    return Conflict("an issued invoice cannot be changed; correct it with a credit note")


@event.listens_for(Invoice, "before_update")
def _invoice_update(mapper: Mapper[Any], connection: Any, target: Invoice) -> None:
    state = inspect(target)
    status = state.attrs.status.history
    was = status.deleted[0] if status.deleted else target.status
    if was == "draft":
        return
    for attr in state.attrs:
        if attr.key in MUTABLE_AFTER_ISSUE or attr.key == "lines":
            continue
        if attr.history.has_changes():
            raise _frozen_refusal()


@event.listens_for(InvoiceLine, "before_update")
@event.listens_for(InvoiceLine, "before_delete")
@event.listens_for(InvoiceLine, "before_insert")
def _line_change(mapper: Mapper[Any], connection: Any, target: InvoiceLine) -> None:
    invoice = connection.execute(
        Invoice.__table__.select().with_only_columns(Invoice.__table__.c.status)
        .where(Invoice.__table__.c.id == target.invoice_id)).scalar_one_or_none()
    if invoice is not None and invoice != "draft":
        raise _frozen_refusal()
