"""Drafting invoices: from chosen CDRs, from a fleet customer's uninvoiced charging in a period, and
one per member of an account (a housing cooperative) for their charging in a month or quarter.

A session is billed once: `InvoicedSession` rows claim them in the drafting transaction (deleting a
draft, or crediting its line, lets them go).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from chargeplane.db import UnitOfWork
from chargeplane.domain.billing import profiles
from chargeplane.domain.billing.lines import cdr_lines, totals
from chargeplane.domain.billing.models import Invoice, InvoicedSession
from chargeplane.domain.billing.regions import get_region
from chargeplane.domain.errors import Conflict, Invalid, NotFound
from chargeplane.domain.identity.models import Membership
from chargeplane.domain.pricing.models import ChargeDetailRecord
from chargeplane.domain.sessions.models import ChargingSession
from chargeplane.domain.tenancy.models import Tenant
from chargeplane.domain.tokens.models import IdToken

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def parse_period(text: str) -> tuple[date, date]:
    """"2026-03" (a month) or "2026-Q1" (a quarter) as its first and last day."""
    text = text.strip().upper()
    if m := _MONTH.match(text):
        year, first_month, months = int(m[1]), int(m[2]), 1
    elif m := _QUARTER.match(text):
        year, first_month, months = int(m[1]), 3 * int(m[2]) - 2, 3
    else:
        raise Invalid("period must be a month (2026-03) or a quarter (2026-Q1)", field="period")
    if not 1 <= first_month <= 12:
        raise Invalid("period must be a month (2026-03) or a quarter (2026-Q1)", field="period")
    start = date(year, first_month, 1)
    after = date(year + (first_month + months - 1) // 12, (first_month + months - 1) % 12 + 1, 1)
    return start, after - timedelta(days=1)


def _zone(uow: UnitOfWork) -> ZoneInfo:
    tenant = uow.session.get(Tenant, uow.tenant_id)
    return ZoneInfo(tenant.time_zone if tenant else "UTC")


def _bounds(uow: UnitOfWork, start: date, end: date) -> tuple[datetime, datetime]:
    zone = _zone(uow)
    return (datetime.combine(start, time(), zone).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), time(), zone).astimezone(UTC))


def _billable(issuer_account_id: uuid.UUID | None):  # type: ignore[no-untyped-def]
    """Latest CDR versions at the issuer's chargers whose session no invoice holds yet."""
    newer = aliased(ChargeDetailRecord)
    query = (
        select(ChargeDetailRecord.id)
        .join(ChargingSession, ChargingSession.id == ChargeDetailRecord.session_id)
        .where(~exists().where(newer.corrects_id == ChargeDetailRecord.id),
               ~exists().where(InvoicedSession.session_id == ChargeDetailRecord.session_id))
    )
    if issuer_account_id is not None:
        query = query.where(ChargeDetailRecord.account_id == issuer_account_id)
    return query


def find_billable(uow: UnitOfWork, *, issuer_account_id: uuid.UUID | None, start: date, end: date,
                  payer_account_id: uuid.UUID | None = None, payer_user_id: uuid.UUID | None = None) -> list[uuid.UUID]:
    """The CDR ids the payer (their cards) charged in the period; read across the tenant, since the cards
    belong to the payer, not to the issuer."""
    begin, stop = _bounds(uow, start, end)
    query = (_billable(issuer_account_id)
             .join(IdToken, IdToken.id == ChargingSession.id_token_id)
             .where(ChargeDetailRecord.stopped_at >= begin, ChargeDetailRecord.stopped_at < stop)
             .order_by(ChargeDetailRecord.stopped_at, ChargeDetailRecord.id))
    query = query.where(IdToken.account_id == payer_account_id) if payer_user_id is None \
        else query.where(IdToken.user_id == payer_user_id)
    with uow.widened():
        return list(uow.session.scalars(query))


def draft_invoice(uow: UnitOfWork, *, issuer_account_id: uuid.UUID | None, cdr_ids: list[uuid.UUID],
                  payer_account_id: uuid.UUID | None = None, payer_user_id: uuid.UUID | None = None,
                  period: tuple[date, date] | None = None, note: str | None = None, now: datetime) -> Invoice:
    """A draft for the payer covering `cdr_ids` (each the latest version of a session not yet invoiced)."""
    profiles.check_issuer(uow, issuer_account_id)
    if not cdr_ids:
        raise Invalid("there is no uninvoiced charging to bill", field="cdr_ids")
    issuer = profiles.issuer(uow, issuer_account_id)
    payer = profiles.payer(uow, account_id=payer_account_id, user_id=payer_user_id)
    allowed = set(uow.session.scalars(_billable(issuer_account_id).where(ChargeDetailRecord.id.in_(cdr_ids))))
    if missing := [str(x) for x in cdr_ids if x not in allowed]:
        raise Conflict("these CDRs cannot be invoiced (unknown, superseded or already invoiced): %(ids)s",
                       ids=", ".join(missing))
    cdrs = list(uow.session.scalars(select(ChargeDetailRecord).where(ChargeDetailRecord.id.in_(cdr_ids))
                                    .order_by(ChargeDetailRecord.stopped_at, ChargeDetailRecord.id)))
    currencies = {cdr.currency for cdr in cdrs}
    if len(currencies) > 1:
        raise Invalid("one invoice holds one currency; these CDRs have %(currencies)s", field="cdr_ids",
                      currencies=", ".join(sorted(currencies)))
    zone = _zone(uow)
    invoice = Invoice(account_id=issuer_account_id, issuer_key=issuer.key, kind="invoice", status="draft",
                      payer_account_id=payer.account_id, payer_user_id=payer.user_id, payer_name=payer.name,
                      payer_email=payer.email, payer_details=payer.details,
                      currency=currencies.pop() if currencies else get_region(issuer.region).currency,
                      language=payer.language, region=issuer.region, note=note, created_at=now,
                      period_start=period[0] if period else None, period_end=period[1] if period else None)
    for cdr in cdrs:
        local = (cdr.stopped_at or cdr.created_at).astimezone(zone).date()
        invoice.lines.extend(cdr_lines(cdr, language=payer.language, local_date=local))
    for position, line in enumerate(invoice.lines, start=1):
        line.position = position
    set_totals(invoice)
    uow.session.add(invoice)
    uow.session.flush()
    uow.session.add_all(InvoicedSession(session_id=cdr.session_id, cdr_id=cdr.id, invoice_id=invoice.id)
                        for cdr in cdrs)
    uow.session.flush()
    return invoice


def set_totals(invoice: Invoice) -> None:
    sums = totals(invoice.lines)
    invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat = sums.excl_vat, sums.vat, sums.incl_vat


def draft_customer_invoice(uow: UnitOfWork, *, issuer_account_id: uuid.UUID | None, payer_account_id: uuid.UUID,
                           start: date, end: date, now: datetime) -> Invoice:
    """A merchant bills a fleet customer for everything its cards charged at the merchant's chargers."""
    ids = find_billable(uow, issuer_account_id=issuer_account_id, start=start, end=end,
                        payer_account_id=payer_account_id)
    return draft_invoice(uow, issuer_account_id=issuer_account_id, cdr_ids=ids, payer_account_id=payer_account_id,
                         period=(start, end), now=now)


def draft_member_invoices(uow: UnitOfWork, *, account_id: uuid.UUID, start: date, end: date,
                          now: datetime) -> list[Invoice]:
    """One draft per member of `account_id` who charged at its chargers in the period; none for the rest."""
    members = sorted(set(uow.session.scalars(select(Membership.user_id).where(Membership.account_id == account_id))))
    drafts = []
    for user_id in members:
        ids = find_billable(uow, issuer_account_id=account_id, start=start, end=end, payer_user_id=user_id)
        if ids:
            drafts.append(draft_invoice(uow, issuer_account_id=account_id, cdr_ids=ids, payer_user_id=user_id,
                                        period=(start, end), now=now))
    return drafts


def get_draft(uow: UnitOfWork, invoice_id: uuid.UUID) -> Invoice:
    invoice = uow.session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("invoice not found")
    if invoice.status != "draft":
        raise Conflict("an issued invoice cannot be changed; correct it with a credit note")
    return invoice


def update_draft(uow: UnitOfWork, *, invoice_id: uuid.UUID, note: str | None) -> Invoice:
    invoice = get_draft(uow, invoice_id)
    invoice.note = (note or "").strip() or None
    uow.session.flush()
    return invoice


def delete_draft(uow: UnitOfWork, *, invoice_id: uuid.UUID) -> None:
    """Throw a draft away; its sessions can be invoiced again."""
    invoice = get_draft(uow, invoice_id)
    for claim in uow.session.scalars(select(InvoicedSession).where(InvoicedSession.invoice_id == invoice.id)):
        uow.session.delete(claim)
    uow.session.delete(invoice)
    uow.session.flush()
