"""Charge detail records and session costs through the API: OCPI 2.2.1 CDR shapes, amounts as exact decimals."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chargeplane.domain.access.schemas import DriverSession
from chargeplane.domain.pricing.models import ChargeDetailRecord
from chargeplane.domain.pricing.rounding import minor_units
from chargeplane.domain.sessions.schemas import SessionDetail

_HOURS = Decimal("0.000001")


class PriceRead(BaseModel):
    excl_vat: Decimal
    incl_vat: Decimal


class CostLineRead(BaseModel):
    """What one price component earned: `quantity` is the billed kWh, hours or 1 (FLAT), after step_size."""

    type: str
    element: int | None = Field(description="index of the tariff element; none for a min_price top-up")
    unit_price: Decimal
    vat_percent: Decimal | None
    quantity: Decimal
    excl_vat: Decimal
    vat: Decimal
    incl_vat: Decimal


class DimensionRead(BaseModel):
    type: Literal["ENERGY", "TIME", "PARKING_TIME"]
    volume: Decimal = Field(description="kWh for ENERGY, hours for TIME and PARKING_TIME")


class ChargingPeriodRead(BaseModel):
    """From `start_date_time` until the next period, one set of tariff elements priced the session."""

    start_date_time: datetime
    dimensions: list[DimensionRead]
    tariff_elements: dict[str, int] = Field(description="dimension -> index of the tariff element that priced it")


class SessionCost(BaseModel):
    """What a session costs: `running` (so far, priced now from its frozen tariff) or `final` (its latest CDR)."""

    kind: Literal["running", "final"]
    as_of: datetime
    cdr_id: uuid.UUID | None
    currency: str
    total_excl_vat: Decimal
    total_vat: Decimal
    total_incl_vat: Decimal
    energy_wh: int
    time_s: int
    parking_s: int
    lines: list[CostLineRead]


class SessionDetailWithCost(SessionDetail):
    cost: SessionCost | None = Field(default=None, description="running or final; none without a tariff or CDR")


class DriverSessionWithCost(DriverSession):
    cost: SessionCost | None = Field(default=None, description="running or final; none without a tariff or CDR")


class CdrRead(BaseModel):
    """A charge detail record, shaped like OCPI 2.2.1's CDR. Never changed: a correction is a new version."""

    id: uuid.UUID
    session_id: uuid.UUID
    account_id: uuid.UUID | None
    version: int
    corrects_id: uuid.UUID | None = Field(description="the version this one corrects")
    corrected_by_id: uuid.UUID | None = Field(description="the version that corrects this one, if any")
    reason: str | None = Field(description="why this correction was made; none for version 1")
    needs_review: bool = Field(description="the session was abnormal and nobody has corrected this CDR yet")
    review_reason: str | None
    created_at: datetime
    start_date_time: datetime | None
    end_date_time: datetime | None
    charge_point_id: uuid.UUID | None
    charge_point_identity: str
    id_tag: str | None
    currency: str
    tariff: dict[str, Any] | None = Field(description="the tariff priced (OCPI JSON, with discount_percent and why)")
    charging_periods: list[ChargingPeriodRead]
    lines: list[CostLineRead]
    total_cost: PriceRead
    total_vat: Decimal
    total_fixed_cost: PriceRead
    total_energy_cost: PriceRead
    total_time_cost: PriceRead
    total_parking_cost: PriceRead
    total_energy: Decimal = Field(description="kWh")
    total_energy_wh: int
    total_time: Decimal = Field(description="hours, the whole session")
    total_time_s: int
    total_parking_time: Decimal = Field(description="hours not charging")
    total_parking_s: int
    signed_data: list[str] = Field(description="the charger's SignedData values, exactly as sent")


class CdrCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)
    tariff: dict[str, Any] | None = Field(
        default=None, description="OCPI tariff JSON (currency, elements, min_price, max_price, optionally "
                                  "discount_percent) to price with instead of the one priced before")


def money(amount: Decimal, currency: str) -> Decimal:
    """A stored amount (four decimals in the database) in the currency's own minor unit: 8.5000 -> 8.50."""
    return Decimal(amount).quantize(Decimal(1).scaleb(-minor_units(currency)))


def line_reads(lines: list[dict[str, Any]]) -> list[CostLineRead]:
    return [CostLineRead.model_validate(line) for line in lines]


def _total(lines: list[CostLineRead], kind: str) -> PriceRead:
    chosen = [line for line in lines if line.type == kind]
    return PriceRead(excl_vat=sum((x.excl_vat for x in chosen), Decimal(0)),
                     incl_vat=sum((x.incl_vat for x in chosen), Decimal(0)))


def cdr_read(cdr: ChargeDetailRecord, *, charge_point_id: uuid.UUID | None, corrected_by_id: uuid.UUID | None,
             review_reason: str | None) -> CdrRead:
    """`review_reason`: why the session was abnormal, or None for a normal one."""
    lines = line_reads(cdr.lines)
    needs_review = review_reason is not None and cdr.version == 1 and corrected_by_id is None
    return CdrRead(
        id=cdr.id, session_id=cdr.session_id, account_id=cdr.account_id, version=cdr.version,
        corrects_id=cdr.corrects_id, corrected_by_id=corrected_by_id, reason=cdr.reason,
        needs_review=needs_review, review_reason=review_reason if needs_review else None,
        created_at=cdr.created_at, start_date_time=cdr.started_at, end_date_time=cdr.stopped_at,
        charge_point_id=charge_point_id, charge_point_identity=cdr.charge_point_identity, id_tag=cdr.id_tag,
        currency=cdr.currency, tariff=cdr.tariff_snapshot,
        charging_periods=[ChargingPeriodRead.model_validate(p) for p in cdr.periods], lines=lines,
        total_cost=PriceRead(excl_vat=money(cdr.total_excl_vat, cdr.currency),
                             incl_vat=money(cdr.total_incl_vat, cdr.currency)),
        total_vat=money(cdr.total_vat, cdr.currency),
        total_fixed_cost=_total(lines, "FLAT"), total_energy_cost=_total(lines, "ENERGY"),
        total_time_cost=_total(lines, "TIME"), total_parking_cost=_total(lines, "PARKING_TIME"),
        total_energy=Decimal(cdr.total_energy_wh) / 1000, total_energy_wh=cdr.total_energy_wh,
        total_time=(Decimal(cdr.total_time_s) / 3600).quantize(_HOURS), total_time_s=cdr.total_time_s,
        total_parking_time=(Decimal(cdr.total_parking_s) / 3600).quantize(_HOURS),
        total_parking_s=cdr.total_parking_s, signed_data=list(cdr.signed_data),
    )
