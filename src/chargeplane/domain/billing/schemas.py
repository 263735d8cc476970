"""Invoices through the API: amounts as exact decimals (strings in JSON)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class InvoiceLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_rate: Decimal
    amount_excl_vat: Decimal
    amount_vat: Decimal
    amount_incl_vat: Decimal
    cdr_id: uuid.UUID | None
    credits_position: int | None


class InvoiceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: Literal["invoice", "credit_note"]
    status: Literal["draft", "issued", "paid", "credited"]
    number: str | None
    issuer_account_id: uuid.UUID | None = Field(validation_alias="account_id")
    payer_account_id: uuid.UUID | None
    payer_user_id: uuid.UUID | None
    payer_name: str
    payer_email: str | None
    currency: str
    language: str
    region: str
    period_start: date | None
    period_end: date | None
    issue_date: date | None
    due_date: date | None
    total_excl_vat: Decimal
    total_vat: Decimal
    total_incl_vat: Decimal
    corrects_id: uuid.UUID | None
    note: str | None
    public_token: str | None = Field(description="the key of the public page /invoices/{token}, once issued")
    created_at: datetime
    issued_at: datetime | None
    paid_at: datetime | None
    lines: list[InvoiceLineRead]


class InvoiceDraftCreate(BaseModel):
    """Either `cdr_ids` (these CDRs) or `period` (every uninvoiced CDR of the payer account's cards at the
    issuer's chargers in that month or quarter). The issuer is the tenant unless `issuer_account_id`."""

    issuer_account_id: uuid.UUID | None = None
    payer_account_id: uuid.UUID | None = None
    payer_user_id: uuid.UUID | None = None
    cdr_ids: list[uuid.UUID] | None = Field(default=None, max_length=5000)
    period: str | None = Field(default=None, description='a month "2026-03" or a quarter "2026-Q1"')
    note: str | None = Field(default=None, max_length=500)


class MemberBillingCreate(BaseModel):
    account_id: uuid.UUID
    period: str = Field(description='a month "2026-03" or a quarter "2026-Q1"')


class InvoiceUpdate(BaseModel):
    note: str | None = Field(default=None, max_length=500)


class CreditNoteCreate(BaseModel):
    lines: list[int] | None = Field(default=None, description="positions to credit; all remaining when absent")
    reason: str | None = Field(default=None, max_length=500)


class BillingProfileRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    account_id: uuid.UUID | None
    region: str
    legal_name: str | None
    address: str | None
    registration_number: str | None
    vat_number: str | None
    iban: str | None
    email: str | None
    payment_days: int


class BillingProfileUpdate(BaseModel):
    region: Literal["EU", "EE", "LT", "NO", "SE"] | None = None
    legal_name: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    registration_number: str | None = Field(default=None, max_length=64)
    vat_number: str | None = Field(default=None, max_length=32)
    iban: str | None = Field(default=None, max_length=34)
    email: str | None = Field(default=None, max_length=254)
    payment_days: int | None = Field(default=None, ge=0, le=365)
