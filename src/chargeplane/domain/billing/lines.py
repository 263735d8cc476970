"""Invoice lines from CDRs and the totals of a set of lines: exact Decimals, rounded once per VAT rate."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from chargeplane.domain.billing.models import InvoiceLine
from chargeplane.domain.billing.regions import round_money
from chargeplane.domain.billing.wording import words
from chargeplane.domain.pricing.models import ChargeDetailRecord

KWH = Decimal(1000)
PLACES = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class VatGroup:
    rate: Decimal
    base: Decimal  # rounded
    vat: Decimal  # rounded


@dataclass(frozen=True, slots=True)
class Totals:
    groups: tuple[VatGroup, ...]
    excl_vat: Decimal
    vat: Decimal
    incl_vat: Decimal


def cdr_lines(cdr: ChargeDetailRecord, *, language: str, local_date: date | None) -> list[InvoiceLine]:
    """One line per VAT rate the CDR's cost lines carry (usually one), with the CDR's exact amounts."""
    by_rate: dict[Decimal, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in cdr.lines or []:
        rate = Decimal(line["vat_percent"]) if line.get("vat_percent") is not None else Decimal(0)
        by_rate[rate][0] += Decimal(line["excl_vat"])
        by_rate[rate][1] += Decimal(line["vat"])
    if not by_rate:  # a free session still shows what it was
        by_rate[Decimal(0)] = [cdr.total_excl_vat, cdr.total_vat]
    w = words(language)
    day = local_date.isoformat() if local_date else ""
    kwh = (Decimal(cdr.total_energy_wh) / KWH).quantize(Decimal("0.001"))
    out = []
    for rate, (excl, vat) in sorted(by_rate.items()):
        per_kwh = len(by_rate) == 1 and kwh > 0
        quantity = kwh if per_kwh else Decimal(1)
        out.append(InvoiceLine(
            description=f"{w['charging_at']} {cdr.charge_point_identity}, {day}".strip(", "),
            quantity=quantity, unit="kWh" if per_kwh else "session",
            unit_price=(excl / quantity).quantize(PLACES), vat_rate=rate, amount_excl_vat=excl, amount_vat=vat,
            amount_incl_vat=excl + vat, cdr_id=cdr.id,
        ))
    return out


def negated(line: InvoiceLine) -> InvoiceLine:
    """The credit note's line for `line`: the same quantity and price, negative amounts."""
    return InvoiceLine(description=line.description, quantity=-line.quantity, unit=line.unit,
                       unit_price=line.unit_price, vat_rate=line.vat_rate, amount_excl_vat=-line.amount_excl_vat,
                       amount_vat=-line.amount_vat, amount_incl_vat=-line.amount_incl_vat, cdr_id=line.cdr_id,
                       credits_position=line.position)


def totals(lines: list[InvoiceLine]) -> Totals:
    sums: dict[Decimal, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in lines:
        sums[Decimal(line.vat_rate)][0] += line.amount_excl_vat
        sums[Decimal(line.vat_rate)][1] += line.amount_vat
    groups = tuple(VatGroup(rate, round_money(base), round_money(vat)) for rate, (base, vat) in sorted(sums.items()))
    excl = sum((g.base for g in groups), Decimal(0))
    vat = sum((g.vat for g in groups), Decimal(0))
    return Totals(groups=groups, excl_vat=excl, vat=vat, incl_vat=excl + vat)
