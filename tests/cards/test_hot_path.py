"""Authorize is on the OCPP hot path: what each kind of card costs in queries."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event

from chargeplane.db import Database, Scope, UnitOfWork
from chargeplane.domain.assets.models import ChargePoint
from chargeplane.domain.tenancy.service import create_tenant
from chargeplane.domain.tokens import service as cards
from chargeplane.domain.tokens.authorization import Authorization, authorize_token


async def test_queries_per_authorization(db: Database) -> None:
    slug = f"t-{uuid.uuid4().hex[:8]}"
    tenant_id = await db.write(Scope.installation("test"), lambda uow: create_tenant(uow, name=slug, slug=slug).id)
    scope = Scope.tenant(tenant_id)

    def setup(uow: UnitOfWork) -> tuple[uuid.UUID, str]:
        cp = ChargePoint(identity=f"CP-{uuid.uuid4().hex[:10]}", password_hash="x")
        uow.session.add(cp)
        uow.session.flush()
        cards.create_id_token(uow, uid="PLAIN")
        cards.create_id_token(uow, uid="PLACES", restricted=True, charge_point_ids=[cp.id])
        return cp.id, cards.create_id_token(uow, kind="virtual").uid

    cp_id, virtual_uid = await db.write(scope, setup)

    def counted(uid: str) -> Callable[[UnitOfWork], tuple[int, Authorization]]:
        def unit(uow: UnitOfWork) -> tuple[int, Authorization]:
            statements: list[str] = []
            connection = uow.session.connection()

            def count(*args: Any) -> None:
                statements.append(args[2])

            event.listen(connection, "before_cursor_execute", count)
            try:
                answer = authorize_token(uow, uid=uid, at=datetime.now(UTC), charge_point_id=cp_id)
            finally:
                event.remove(connection, "before_cursor_execute", count)
            return len(statements), answer

        return unit

    queries, plain = await db.read(scope, counted("PLAIN"))
    assert queries == 1 and plain.accepted  # the card and its holder's status, together
    queries, restricted = await db.read(scope, counted("PLACES"))
    assert queries == 2 and restricted.accepted  # and its places
    queries, virtual = await db.read(scope, counted(virtual_uid))
    assert queries == 1 and virtual.status == "invalid"  # no remote start was asked for
    queries, unknown = await db.read(scope, counted("NOBODY"))
    assert queries == 1 and unknown.status == "invalid"
