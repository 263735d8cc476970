from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from chargeplane.db import Database, Scope, UnitOfWork, utcnow
from chargeplane.domain.assets.models import ChargePoint
from chargeplane.domain.chargerlog.models import OcppMessage
from chargeplane.domain.chargerlog.service import record_exchange
from chargeplane.domain.tenancy.service import create_tenant
from chargeplane.jobs.maintenance import prune_message_log


async def test_old_messages_are_pruned_in_every_tenant(db: Database) -> None:
    now = utcnow()

    async def tenant_with_messages() -> uuid.UUID:
        slug = f"t-{uuid.uuid4().hex[:8]}"
        tenant_id = await db.write(Scope.installation("test"), lambda uow: create_tenant(uow, name=slug, slug=slug).id)

        def unit(uow: UnitOfWork) -> None:
            cp = ChargePoint(identity=f"CP-{uuid.uuid4().hex[:8]}", password_hash="x")
            uow.session.add(cp)
            uow.session.flush()
            for age_days in (40, 31, 29, 1):
                at = now - timedelta(days=age_days)
                record_exchange(uow, charge_point_id=cp.id, direction="in", unique_id="1", action="Heartbeat",
                                request="[2,\"1\",\"Heartbeat\",{}]", response=None, outcome="CallResult",
                                created_at=at, answered_at=at)

        await db.write(Scope.tenant(tenant_id), unit)
        return tenant_id

    tenants = [await tenant_with_messages(), await tenant_with_messages()]
    removed = await prune_message_log(db, retention_days=30)
    assert removed >= 4  # two per tenant here; other tests' tenants may add their own old rows
    for tenant_id in tenants:
        left = await db.read(Scope.tenant(tenant_id),
                             lambda uow: uow.session.scalar(select(func.count()).select_from(OcppMessage)))
        assert left == 2
