"""What reports answer: rows of usage and revenue, and transactions, as the API returns them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel


class GroupBy(StrEnum):
    SITE = "site"
    CHARGE_POINT = "charge_point"
    ACCOUNT = "account"
    CUSTOMER_GROUP = "customer_group"
    NONE = "none"


class Fee(BaseModel):
    """The sum of the latest CDRs' totals in one currency."""

    currency: str
    excl_vat: Decimal
    vat: Decimal
    incl_vat: Decimal


class UsageRow(BaseModel):
    period_start: date  # the local day, or the first day of the week or month
    key: uuid.UUID | None  # the site, charge point, account or customer group; none: not set or no grouping
    label: str
    sessions: int
    energy_wh: int
    drivers: int  # distinct drivers: a card's user when it has one, else the card
    fees: list[Fee]


class UsageTotals(BaseModel):
    sessions: int
    energy_wh: int
    drivers: int
    fees: list[Fee]


class UsageReport(BaseModel):
    date_from: date
    date_to: date
    time_zone: str
    group_by: GroupBy
    period: str
    rows: list[UsageRow]
    totals: UsageTotals


class TransactionRead(BaseModel):
    id: uuid.UUID
    created_at: datetime
    transaction_id: int | None
    charge_point_id: uuid.UUID | None
    charge_point_identity: str
    serial_number: str | None
    site_id: uuid.UUID | None
    account_id: uuid.UUID | None
    id_tag: str | None
    card_label: str | None
    driver_id: uuid.UUID | None
    driver_name: str | None
    driver_email: str | None
    energy_wh: int | None
    started_at: datetime | None
    stopped_at: datetime | None
    duration_s: int | None
    state: str
    cost_excl_vat: Decimal | None
    cost_incl_vat: Decimal | None
    currency: str | None
