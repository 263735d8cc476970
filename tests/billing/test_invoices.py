"""Drafting, issuing, numbering, freezing and crediting invoices, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from chargeplane.db import Database, Scope, UnitOfWork
from chargeplane.domain.billing import drafting, issuing
from chargeplane.domain.billing.models import Invoice, InvoiceLine
from chargeplane.domain.errors import Conflict, NotFound
from chargeplane.domain.messaging.models import OutboxMessage
from tests.billing.support import MARCH, World, cdrs, make_world

BASE = "https://cp.example.test"
APRIL = MARCH + timedelta(days=30)


async def fleet_draft(db: Database, world: World, period: str = "2026-03") -> Invoice:
    start, end = drafting.parse_period(period)
    return await db.write(world.scope, lambda uow: drafting.draft_customer_invoice(
        uow, issuer_account_id=world.merchant, payer_account_id=world.fleet, start=start, end=end, now=APRIL))


async def stored(db: Database, world: World, invoice_id: object) -> tuple[str, Decimal, int] | None:
    """What the database holds: (status, total incl. VAT, number of lines)."""
    def unit(uow: UnitOfWork) -> tuple[str, Decimal, int] | None:
        row = uow.session.get(Invoice, invoice_id)
        return None if row is None else (row.status, row.total_incl_vat, len(row.lines))

    return await db.read(world.scope, unit)


async def issue(db: Database, world: World, invoice_id: object) -> Invoice:
    return await db.write(world.scope, lambda uow: issuing.issue_invoice(
        uow, invoice_id=invoice_id, now=APRIL, base_url=BASE))  # type: ignore[arg-type]


def test_periods_are_months_or_quarters() -> None:
    assert drafting.parse_period("2026-02") == (MARCH.date().replace(month=2, day=1), MARCH.date().replace(day=1)
                                                - timedelta(days=1))
    start, end = drafting.parse_period("2026-q4")
    assert (start.isoformat(), end.isoformat()) == ("2026-10-01", "2026-12-31")
    with pytest.raises(Exception, match="month"):
        drafting.parse_period("2026-13")


async def test_a_merchant_bills_its_fleet_customer_for_the_period(db: Database) -> None:
    w = await make_world(db)
    await cdrs(db, w, (w.merchant, w.fleet_card, MARCH, "10.00"),
               (w.merchant, w.fleet_card, MARCH + timedelta(hours=1), "2.5005"),
               (w.merchant, w.fleet_card, APRIL, "99"),  # next month
               (w.merchant, None, MARCH, "50"),  # not the fleet's card
               (w.coop, w.fleet_card, MARCH, "7"))  # not the merchant's charger
    draft = await fleet_draft(db, w)
    assert draft.status == "draft" and draft.number is None
    assert [line.amount_excl_vat for line in draft.lines] == [Decimal("10.0000"), Decimal("2.5005")]
    assert [line.vat_rate for line in draft.lines] == [Decimal(22), Decimal(22)]
    # Rounded once: 12.5005 -> 12.50; VAT 2.2 + 0.55011 = 2.75011 -> 2.75.
    assert (draft.total_excl_vat, draft.total_vat, draft.total_incl_vat) == (
        Decimal("12.50"), Decimal("2.75"), Decimal("15.25"))
    assert draft.payer_name == "Kuller AS" and draft.region == "EE" and draft.currency == "EUR"

    issued = await issue(db, w, draft.id)
    assert issued.status == "issued" and issued.number == "INV-2026-000001"
    assert issued.issue_date == APRIL.date() and issued.due_date == APRIL.date() + timedelta(days=14)
    assert issued.public_token and len(issued.public_token) >= 32


async def test_a_cdr_is_invoiced_once(db: Database) -> None:
    w = await make_world(db)
    [cdr_id] = await cdrs(db, w, (w.merchant, w.fleet_card, MARCH, "10"))
    first = await fleet_draft(db, w)
    with pytest.raises(Conflict, match="cannot be invoiced"):
        await db.write(w.scope, lambda uow: drafting.draft_invoice(
            uow, issuer_account_id=w.merchant, cdr_ids=[cdr_id], payer_account_id=w.fleet, now=APRIL))
    with pytest.raises(Exception, match="no uninvoiced charging"):
        await fleet_draft(db, w)
    # Throwing the draft away lets the session be billed again.
    await db.write(w.scope, lambda uow: drafting.delete_draft(uow, invoice_id=first.id))
    again = await fleet_draft(db, w)
    assert [line.cdr_id for line in again.lines] == [cdr_id]


async def test_numbers_follow_each_other_per_issuer_and_series(db: Database) -> None:
    w = await make_world(db)
    await cdrs(db, w, *[(w.merchant, w.fleet_card, MARCH + timedelta(hours=i), "1") for i in range(3)])
    ids = []
    for cdr_id in await db.read(w.scope, lambda uow: drafting.find_billable(
            uow, issuer_account_id=w.merchant, payer_account_id=w.fleet, start=MARCH.date(), end=MARCH.date())):
        draft = await db.write(w.scope, lambda uow, c=cdr_id: drafting.draft_invoice(
            uow, issuer_account_id=w.merchant, cdr_ids=[c], payer_account_id=w.fleet, now=APRIL))
        ids.append(draft.id)
    numbers = [(await issue(db, w, i)).number for i in ids]
    assert numbers == ["INV-2026-000001", "INV-2026-000002", "INV-2026-000003"]
    note = await db.write(w.scope, lambda uow: issuing.credit_invoice(
        uow, invoice_id=ids[0], positions=None, reason="wrong card", now=APRIL, base_url=BASE))
    assert note.number == "CN-2026-000001"  # credit notes have their own series


async def test_a_failed_issue_leaves_no_gap(db: Database) -> None:
    w = await make_world(db)
    await cdrs(db, w, (w.merchant, w.fleet_card, MARCH, "1"))
    draft = await fleet_draft(db, w)

    def issue_then_fail(uow: UnitOfWork) -> None:
        issuing.issue_invoice(uow, invoice_id=draft.id, now=APRIL, base_url=BASE)
        raise RuntimeError("the unit fails after numbering")

    with pytest.raises(RuntimeError):
        await db.write(w.scope, issue_then_fail)
    assert (await issue(db, w, draft.id)).number == "INV-2026-000001"


async def test_an_issued_invoice_is_frozen(db: Database) -> None:
    w = await make_world(db)
    await cdrs(db, w, (w.merchant, w.fleet_card, MARCH, "10"))
    invoice = await issue(db, w, (await fleet_draft(db, w)).id)

    def edit(change: str):  # type: ignore[no-untyped-def]
        def unit(uow: UnitOfWork) -> None:
            row = uow.session.get(Invoice, invoice.id)
            assert row is not None
            if change == "total":
                row.total_incl_vat = Decimal("1.00")
            elif change == "line":
                row.lines[0].amount_excl_vat = Decimal("1")
            elif change == "drop line":
                uow.session.delete(row.lines[0])
            else:
                row.lines.append(InvoiceLine(position=9, description="extra", quantity=1, unit="session",
                                             unit_price=1, vat_rate=0, amount_excl_vat=1, amount_vat=0,
                                             amount_incl_vat=1, tenant_id=w.tenant_id))
            uow.session.flush()
        return unit

    for change in ("total", "line", "drop line", "add line"):
        with pytest.raises(Conflict, match="cannot be changed"):
            await db.write(w.scope, edit(change))
    with pytest.raises(Conflict, match="cannot be changed"):
        await db.write(w.scope, lambda uow: drafting.update_draft(uow, invoice_id=invoice.id, note="x"))
    with pytest.raises(Conflict, match="cannot be changed"):
        await issue(db, w, invoice.id)
    assert await stored(db, w, invoice.id) == ("issued", Decimal("12.20"), 1)
    paid = await db.write(w.scope, lambda uow: issuing.mark_paid(uow, invoice_id=invoice.id, now=APRIL))
    assert paid.status == "paid" and paid.paid_at == APRIL  # the status still moves on


async def test_credit_notes_negate_lines_partially_then_fully(db: Database) -> None:
    w = await make_world(db)
    ids = await cdrs(db, w, (w.merchant, w.fleet_card, MARCH, "10"),
                     (w.merchant, w.fleet_card, MARCH + timedelta(hours=1), "4"))
    invoice = await issue(db, w, (await fleet_draft(db, w)).id)

    def credit(positions: list[int] | None):  # type: ignore[no-untyped-def]
        return lambda uow: issuing.credit_invoice(uow, invoice_id=invoice.id, positions=positions,
                                                  reason="meter fault", now=APRIL, base_url=BASE)

    partial = await db.write(w.scope, credit([2]))
    assert partial.kind == "credit_note" and partial.status == "issued" and partial.corrects_id == invoice.id
    assert [(x.credits_position, x.amount_excl_vat) for x in partial.lines] == [(2, Decimal("-4.0000"))]
    assert (partial.total_excl_vat, partial.total_vat, partial.total_incl_vat) == (
        Decimal("-4.00"), Decimal("-0.88"), Decimal("-4.88"))
    with pytest.raises(Conflict, match="already credited"):
        await db.write(w.scope, credit([2]))
    # The credited session can be billed anew; the other stays on the invoice.
    assert await db.read(w.scope, lambda uow: drafting.find_billable(
        uow, issuer_account_id=w.merchant, payer_account_id=w.fleet, start=MARCH.date(), end=MARCH.date())) == [ids[1]]
    rest = await db.write(w.scope, credit(None))
    assert [x.credits_position for x in rest.lines] == [1] and rest.number == "CN-2026-000002"
    assert await stored(db, w, invoice.id) == ("credited", Decimal("17.08"), 2)
    with pytest.raises(Conflict):
        await db.write(w.scope, credit(None))


async def test_each_member_is_billed_for_their_own_charging(db: Database) -> None:
    w = await make_world(db, members={"Mari": "et", "Jonas": "lt", "Idle": "sv"})
    await cdrs(db, w, (w.coop, w.member_cards["Mari"], MARCH, "3"),
               (w.coop, w.member_cards["Mari"], MARCH + timedelta(hours=2), "2"),
               (w.coop, w.member_cards["Jonas"], MARCH + timedelta(days=40), "5"),  # in Q2
               (w.merchant, w.member_cards["Mari"], MARCH, "8"))  # elsewhere: not the cooperative's to bill
    start, end = drafting.parse_period("2026-Q1")
    drafts = await db.write(w.scope, lambda uow: drafting.draft_member_invoices(
        uow, account_id=w.coop, start=start, end=end, now=APRIL))
    assert [(d.payer_user_id, d.total_excl_vat, d.language) for d in drafts] == [
        (w.members["Mari"], Decimal("5.00"), "et")]
    assert drafts[0].lines[0].description.startswith("Laadimine PARKLA-01")
    start, end = drafting.parse_period("2026-Q2")
    q2 = await db.write(w.scope, lambda uow: drafting.draft_member_invoices(
        uow, account_id=w.coop, start=start, end=end, now=APRIL))
    assert [(d.payer_user_id, d.total_incl_vat, d.language) for d in q2] == [
        (w.members["Jonas"], Decimal("6.10"), "lt")]
    again = await db.write(w.scope, lambda uow: drafting.draft_member_invoices(
        uow, account_id=w.coop, start=start, end=end, now=APRIL))
    assert again == []


async def test_issuing_queues_the_email_with_the_public_link(db: Database) -> None:
    w = await make_world(db, members={"Mari": "et"})
    await cdrs(db, w, (w.coop, w.member_cards["Mari"], MARCH, "3"))
    start, end = drafting.parse_period("2026-03")
    [draft] = await db.write(w.scope, lambda uow: drafting.draft_member_invoices(
        uow, account_id=w.coop, start=start, end=end, now=APRIL))
    invoice = await issue(db, w, draft.id)
    [(recipient, language, subject, body)] = await db.read(w.scope, lambda uow: uow.session.execute(
        select(OutboxMessage.recipient, OutboxMessage.language, OutboxMessage.subject, OutboxMessage.body)
        .where(OutboxMessage.template == "invoice_issued")).all())
    assert recipient == "mari@example.test" and language == "et"
    assert f"{BASE}/invoices/{invoice.public_token}" in body
    assert "INV-2026-000001" in subject and "3,66 EUR" in body and "Korteriühistu Männi" in body

    def due(uow: UnitOfWork) -> tuple[object, object]:
        row = uow.session.execute(select(OutboxMessage.next_attempt_at, OutboxMessage.attachments)
                                  .where(OutboxMessage.template == "invoice_issued")).one()
        return row[0], row[1]

    # The email waits for its PDF (drawn after the commit); without it, it leaves a little later anyway.
    assert await db.read(w.scope, due) == (APRIL + issuing.PDF_WAIT, None)
    later = APRIL + timedelta(seconds=5)
    assert await db.write(w.scope, lambda uow: issuing.attach_pdf(
        uow, invoice_id=invoice.id, pdf=b"%PDF-1.4 test", file_name="INV-2026-000001.pdf", now=later))
    assert await db.read(w.scope, due) == (later, [{"filename": "INV-2026-000001.pdf",
                                                    "content_type": "application/pdf",
                                                    "content": "JVBERi0xLjQgdGVzdA=="}])


async def test_another_tenant_sees_and_touches_no_invoice(db: Database) -> None:
    w = await make_world(db)
    other = await make_world(db)
    await cdrs(db, w, (w.merchant, w.fleet_card, MARCH, "10"))
    invoice = await issue(db, w, (await fleet_draft(db, w)).id)
    assert await stored(db, other, invoice.id) is None
    with pytest.raises(NotFound):
        await db.write(other.scope, lambda uow: issuing.mark_paid(uow, invoice_id=invoice.id, now=APRIL))
    with pytest.raises(NotFound):
        await db.write(other.scope, lambda uow: issuing.credit_invoice(
            uow, invoice_id=invoice.id, positions=None, reason=None, now=APRIL, base_url=BASE))
    # Its own numbering starts at one: sequences are per tenant and issuer.
    await cdrs(db, other, (other.merchant, other.fleet_card, MARCH, "1"))
    assert (await issue(db, other, (await fleet_draft(db, other)).id)).number == "INV-2026-000001"
    assert await db.read(Scope.tenant(other.tenant_id), lambda uow: drafting.find_billable(
        uow, issuer_account_id=w.merchant, payer_account_id=w.fleet, start=MARCH.date(), end=MARCH.date())) == []
