"""Running jobs: per tenant with that tenant's scope, on a schedule, never crashing the process."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from chargeplane.db import Database, Scope
from chargeplane.domain.tenancy.models import Tenant

log = logging.getLogger(__name__)


async def for_each_tenant(db: Database, work: Callable[[Scope], Awaitable[object]]) -> int:
    """Run `work` once per tenant, each time with that tenant's scope; returns how many ran."""
    tenant_ids: list[uuid.UUID] = await db.read(
        Scope.installation("jobs: list tenants"), lambda uow: list(uow.session.scalars(select(Tenant.id)))
    )
    for tenant_id in tenant_ids:
        await work(Scope.tenant(tenant_id))
    return len(tenant_ids)


async def every(seconds: float, name: str, job: Callable[[], Awaitable[object]]) -> None:
    """Run `job` now and then every `seconds`; a failure is logged and the schedule goes on."""
    while True:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job %s failed", name)
        await asyncio.sleep(seconds)
