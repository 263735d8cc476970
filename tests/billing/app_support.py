"""The billing world inside a running app's tenant, and reading back what the app sent."""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta

from pypdf import PdfReader

from chargeplane.db import UnitOfWork
from tests.billing.support import MARCH, World, add_cdr, populate
from tests.support.server import RunningApp

PUBLIC_LINK = re.compile(r"https?://\S+?(/invoices/[A-Za-z0-9_-]+)")


async def app_world(running: RunningApp, tenant_id: uuid.UUID, **members: str) -> World:
    """The merchant with two March sessions of its fleet customer's card; the cooperative's members."""
    world = await running.arun(populate(running.app.db, tenant_id, members=members))

    def unit(uow: UnitOfWork) -> None:
        add_cdr(uow, account_id=world.merchant, card_id=world.fleet_card, stopped_at=MARCH, excl="10")
        add_cdr(uow, account_id=world.merchant, card_id=world.fleet_card, stopped_at=MARCH + timedelta(hours=1),
                excl="5")
        for name, card in world.member_cards.items():
            add_cdr(uow, account_id=world.coop, card_id=card, stopped_at=MARCH, excl="3", identity=f"MANNI-{name}")

    await running.arun(running.app.db.write(world.scope, unit))
    return world


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
