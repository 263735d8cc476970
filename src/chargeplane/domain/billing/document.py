"""An invoice as the words and figures printed on it: the region's formats and the payer's language.

The PDF (`pdf.py`) and the public page render this; neither formats anything itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from chargeplane.db import UnitOfWork
from chargeplane.domain.billing import profiles
from chargeplane.domain.billing.issuing import public_link
from chargeplane.domain.billing.lines import totals
from chargeplane.domain.billing.models import Invoice, InvoiceLine
from chargeplane.domain.billing.regions import (
    format_date,
    format_money,
    format_number,
    format_rate,
    get_region,
    tax_label,
)
from chargeplane.domain.billing.wording import words


@dataclass(frozen=True, slots=True)
class Row:
    description: str
    quantity: str
    unit_price: str
    vat_rate: str
    amount: str


@dataclass(frozen=True, slots=True)
class Document:
    language: str
    title: str
    number: str
    facts: tuple[tuple[str, str], ...]  # (label, value): dates, period, the corrected invoice
    issuer: tuple[str, ...]
    payer: tuple[str, ...]
    headings: tuple[str, str, str, str, str]
    rows: tuple[Row, ...]
    sums: tuple[tuple[str, str], ...]  # subtotal, then one line per VAT rate
    total: tuple[str, str]
    pay_label: str
    link: str | None
    paid: str | None
    footer: tuple[str, ...]


def build_document(uow: UnitOfWork, invoice: Invoice, *, base_url: str) -> Document:
    w = words(invoice.language)
    region = get_region(invoice.region)
    issuer = profiles.issuer(uow, invoice.account_id)
    vat = tax_label(region, invoice.language, w["vat"])

    def money(value: Decimal) -> str:
        return format_money(region, value, invoice.currency)

    def quantity(line: InvoiceLine) -> str:
        return f"{format_number(region, line.quantity, 3)} {w['kwh'] if line.unit == 'kWh' else w['session']}"

    facts = [(w["issue_date"], format_date(region, invoice.issue_date)),
             (w["due_date"], format_date(region, invoice.due_date))]
    if invoice.period_start and invoice.period_end:
        facts.append((w["period"], f"{format_date(region, invoice.period_start)} \u2013 "
                                   f"{format_date(region, invoice.period_end)}"))
    if invoice.corrects_id is not None:
        corrected = uow.session.get(Invoice, invoice.corrects_id)
        facts.append((w["corrects"], corrected.number or "" if corrected else ""))
    rows = tuple(Row(description=line.description,
                     quantity=quantity(line),
                     unit_price=format_number(region, line.unit_price, 4), vat_rate=format_rate(region, line.vat_rate),
                     amount=money(line.amount_excl_vat)) for line in invoice.lines)
    sums = totals(invoice.lines)
    footer = [" · ".join(x for x in (issuer.name, issuer.address and issuer.address.replace("\n", ", ")) if x)]
    legal = [f"{w['registration_number']} {issuer.registration_number}" if issuer.registration_number else "",
             f"{w['vat_number']} {issuer.vat_number}" if issuer.vat_number else "",
             f"{w['iban']} {issuer.iban}" if issuer.iban else "", issuer.email or ""]
    footer.append(" · ".join(x for x in legal if x))
    return Document(
        language=invoice.language,
        title=w["invoice"] if invoice.kind == "invoice" else w["credit_note"],
        number=invoice.number or "",
        facts=tuple(facts),
        issuer=tuple(x for x in (issuer.name, *(issuer.address or "").splitlines()) if x),
        payer=tuple(x for x in (invoice.payer_name, *(invoice.payer_details or "").splitlines()) if x),
        headings=(w["description"], w["quantity"], w["unit_price"], w["vat_rate"], w["amount"]),
        rows=rows,
        sums=((w["subtotal"], money(sums.excl_vat)),
              *((f"{vat} {format_rate(region, g.rate)}", money(g.vat)) for g in sums.groups)),
        total=(w["total"], money(sums.incl_vat)),
        pay_label=w["pay_online"],
        link=public_link(base_url, invoice) if invoice.public_token and invoice.kind == "invoice" else None,
        paid=w["paid"] if invoice.status == "paid" else None,
        footer=tuple(x for x in footer if x),
    )
