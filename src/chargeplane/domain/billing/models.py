"""Invoices, their lines, the CDRs they cover, the issuers' number sequences and billing profiles.

An invoice is frozen once issued (`guards.py` refuses any later change but its status); corrections
are credit notes, invoices of their own kind that name the invoice they correct.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chargeplane.db.base import AccountScoped, Base, TenantScoped, new_id, utcnow

KINDS = ("invoice", "credit_note")
STATUSES = ("draft", "issued", "paid", "credited")


class Invoice(AccountScoped, Base):
    """`account_id` is the issuer (none: the tenant itself). The payer is an account or a user."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "issuer_key", "number"),
        CheckConstraint("kind IN ('invoice', 'credit_note')", name="kind"),
        CheckConstraint("status IN ('draft', 'issued', 'paid', 'credited')", name="status"),
        CheckConstraint("(payer_account_id IS NULL) <> (payer_user_id IS NULL)", name="one_payer"),
        CheckConstraint("(kind = 'credit_note') = (corrects_id IS NOT NULL)", name="credit_note_corrects"),
        Index("ix_invoices_tenant_created", "tenant_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # The issuer as one non-null value ("tenant" or the account's id), so numbers are unique per issuer.
    issuer_key: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(16), default="invoice")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    number: Mapped[str | None] = mapped_column(String(32))
    payer_account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id", ondelete="RESTRICT"),
                                                               index=True)
    payer_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    payer_name: Mapped[str] = mapped_column(String(200))
    payer_email: Mapped[str | None] = mapped_column(String(254))
    payer_details: Mapped[str | None] = mapped_column(String(600))  # address, VAT number
    currency: Mapped[str] = mapped_column(String(3))
    language: Mapped[str] = mapped_column(String(8))
    region: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]  # inclusive
    issue_date: Mapped[date | None]
    due_date: Mapped[date | None]
    total_excl_vat: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    total_vat: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    total_incl_vat: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"), index=True)
    # The public page's key (`/invoices/{token}`): random, set when issued.
    public_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    note: Mapped[str | None] = mapped_column(String(500))
    # The payer's email (outbox), which the PDF is attached to once drawn.
    email_message_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]

    lines: Mapped[list[InvoiceLine]] = relationship(order_by="InvoiceLine.position", cascade="all, delete-orphan",
                                                    lazy="selectin")


class InvoiceLine(TenantScoped, Base):
    """Amounts are exact (four decimals, as the CDRs carry them); the invoice rounds its totals once."""

    __tablename__ = "invoice_lines"
    __table_args__ = (UniqueConstraint("invoice_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    unit: Mapped[str] = mapped_column(String(16))  # kWh | session | month
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(6, 3))  # percent
    amount_excl_vat: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    amount_vat: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    amount_incl_vat: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    cdr_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("charge_detail_records.id", ondelete="RESTRICT"))
    credits_position: Mapped[int | None]  # on a credit note: the corrected invoice's line


class InvoicedSession(TenantScoped, Base):
    """A charging session is billed once: the unique session id refuses a second invoice (any CDR version)."""

    __tablename__ = "invoiced_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charging_sessions.id", ondelete="RESTRICT"),
                                                  unique=True)
    cdr_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charge_detail_records.id", ondelete="RESTRICT"))
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)


class InvoiceSequence(TenantScoped, Base):
    """The last number given per issuer, series and year; incremented in the issuing transaction."""

    __tablename__ = "invoice_sequences"
    __table_args__ = (UniqueConstraint("tenant_id", "issuer_key", "series", "year"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    issuer_key: Mapped[str] = mapped_column(String(36))
    series: Mapped[str] = mapped_column(String(8))  # INV | CN
    year: Mapped[int]
    last_value: Mapped[int] = mapped_column(default=0)


class BillingProfile(AccountScoped, Base):
    """How an issuer (the tenant: no account; or an invoicing account) appears on its invoices."""

    __tablename__ = "billing_profiles"
    __table_args__ = (UniqueConstraint("tenant_id", "issuer_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    issuer_key: Mapped[str] = mapped_column(String(36))
    region: Mapped[str] = mapped_column(String(8), default="EU")
    legal_name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))
    registration_number: Mapped[str | None] = mapped_column(String(64))
    vat_number: Mapped[str | None] = mapped_column(String(32))
    iban: Mapped[str | None] = mapped_column(String(34))
    email: Mapped[str | None] = mapped_column(String(254))
    payment_days: Mapped[int] = mapped_column(default=14)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
