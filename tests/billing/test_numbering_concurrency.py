"""Numbers without gaps while several processes issue at once: two `Database`s (two connection pools,
two committers) on one PostgreSQL database, as two app processes would be."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from chargeplane.db import Database
from chargeplane.db.migrate import upgrade
from chargeplane.domain.billing import drafting, issuing
from tests.billing.support import MARCH, cdrs, hold_emails, make_world

APRIL = MARCH + timedelta(days=30)


async def test_concurrent_issues_take_consecutive_numbers(postgres_database: str) -> None:
    first, second = Database(postgres_database), Database(postgres_database)
    await first.start()
    await second.start()
    try:
        await upgrade(first)
        w = await make_world(first)
        count = 24
        ids = await cdrs(first, w, *[(w.merchant, w.fleet_card, MARCH + timedelta(minutes=i), "1")
                                     for i in range(count)])
        drafts: list[uuid.UUID] = []
        for cdr_id in ids:
            draft = await first.write(w.scope, lambda uow, c=cdr_id: drafting.draft_invoice(
                uow, issuer_account_id=w.merchant, cdr_ids=[c], payer_account_id=w.fleet, now=APRIL))
            drafts.append(draft.id)

        async def issue(db: Database, invoice_id: uuid.UUID) -> str:
            invoice = await db.write(w.scope, lambda uow: issuing.issue_invoice(
                uow, invoice_id=invoice_id, now=APRIL, base_url="https://x.test"))
            return invoice.number or ""

        numbers = await asyncio.gather(*(issue(first if i % 2 else second, d) for i, d in enumerate(drafts)))
    finally:
        await hold_emails()
        await first.close()
        await second.close()
    assert sorted(numbers) == [f"INV-2026-{n:06d}" for n in range(1, count + 1)]
