"""Housekeeping: the OCPP message log keeps `message_log_retention_days` of history."""

from __future__ import annotations

from datetime import timedelta

from chargeplane.db import Database, Scope, utcnow
from chargeplane.domain.chargerlog.service import prune_before
from chargeplane.jobs.runner import for_each_tenant


async def prune_message_log(db: Database, *, retention_days: int) -> int:
    before = utcnow() - timedelta(days=retention_days)
    removed = 0

    async def prune(scope: Scope) -> None:
        nonlocal removed
        removed += await db.write(scope, lambda uow: prune_before(uow, before=before))

    await for_each_tenant(db, prune)
    return removed
