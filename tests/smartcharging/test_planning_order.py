"""Which profiles of a plan lower and which raise, on a real database: the job sends the lowering ones
together (they arrive in any order), then the raising ones, so no order of arrival may take the caps
the chargers follow above the site's limit."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial

from chargeplane.db import Database, Scope, UnitOfWork
from chargeplane.domain.assets.service import create_site, register_charge_point
from chargeplane.domain.sessions.service import start_session, stop_session
from chargeplane.domain.smartcharging import planning
from chargeplane.domain.smartcharging.models import ChargerChargingSettings
from chargeplane.domain.smartcharging.planning import ProfileSend
from chargeplane.domain.smartcharging.schemas import SiteLimitSet
from chargeplane.domain.smartcharging.settings import set_site_limit
from chargeplane.domain.tenancy.service import create_tenant
from chargeplane.domain.tokens.service import create_id_token

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


async def test_a_reconnected_charger_gets_its_higher_cap_only_after_the_others_are_lowered(db: Database) -> None:
    slug = f"t-{uuid.uuid4().hex[:8]}"
    scope = Scope.tenant(await db.write(Scope.installation("test"),
                                        lambda uow: create_tenant(uow, name=slug, slug=slug).id))

    def setup(uow: UnitOfWork) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
        site = create_site(uow, name="Garage")
        set_site_limit(uow, site_id=site.id, body=SiteLimitSet(limit=Decimal(40)), actor=None, now=T0)
        a, b = (register_charge_point(uow, identity=f"CP-{uuid.uuid4().hex[:10]}", password_hash="x",
                                      site_id=site.id).id for _ in range(2))
        for uid in ("A1", "B1", "B2"):
            create_id_token(uow, uid=uid)
        return site.id, a, b

    site_id, a, b = await db.write(scope, setup)
    online = {a: True, b: True}
    follows: dict[uuid.UUID, int] = {}  # the cap each charger accepted last, and so follows

    async def plan(at: datetime) -> list[ProfileSend]:
        site_plan = await db.write(scope, partial(planning.plan_site, site_id=site_id, now=at,
                                                  connected=online.__getitem__, measured={}))
        assert site_plan is not None
        return site_plan.sends

    async def accept(sends: list[ProfileSend], at: datetime) -> None:
        for send in sends:
            await db.write(scope, partial(planning.record_answer, send=send, status="Accepted", detail=None, now=at))
            if send.session_id is None:
                follows[send.charge_point_id] = send.limit_da

    async def start(charger: uuid.UUID, connector: int, uid: str, at: datetime) -> int:
        started = await db.write(scope, partial(start_session, charge_point_id=charger, connector_id=connector,
                                                id_tag=uid, meter_start_wh=0, started_at=at, received_at=at))
        return started.transaction_id

    # One after the other: the deciampere that does not split evenly goes to the first.
    await start(a, 1, "A1", T0)
    await start(b, 1, "B1", T0 + timedelta(seconds=1))
    b2 = await start(b, 2, "B2", T0 + timedelta(seconds=2))
    await accept(await plan(T0), T0)
    assert follows == {a: 134, b: 266}  # three sessions of 13.3 A
    online[a] = False  # counted at the 13.3 A it accepted
    await db.write(scope, partial(stop_session, charge_point_id=b, transaction_id=b2, meter_stop_wh=500,
                                  stopped_at=T0 + timedelta(minutes=1), received_at=T0 + timedelta(minutes=1)))
    await accept(await plan(T0 + timedelta(minutes=1)), T0 + timedelta(minutes=1))
    assert follows == {a: 134, b: 266}  # B1 alone takes B's whole cap

    online[a] = True
    await db.write(scope, partial(planning.charger_connected, charge_point_id=a))
    sends = [s for s in await plan(T0 + timedelta(minutes=2)) if s.session_id is None]
    assert sorted((s.charge_point_id == a, s.limit_da, s.lowers) for s in sends) == [(False, 200, True),
                                                                                     (True, 200, False)]
    lowering, raising = [s for s in sends if s.lowers], [s for s in sends if not s.lowers]
    for order in itertools.permutations(lowering):
        caps = dict(follows)
        for send in [*order, *raising]:
            caps[send.charge_point_id] = send.limit_da
            assert sum(caps.values()) <= 400, caps


def test_raises_under_one_ampere_are_not_sent_but_every_lower_is() -> None:
    follows_16 = ChargerChargingSettings(charge_point_id=uuid.uuid4(), control="accepted", cap_a=Decimal("16.0"))
    assert planning._cap_send(follows_16, 165, T0) == []  # +0.5 A: it keeps 16 A, which is safe
    assert [(s.limit_da, s.lowers) for s in planning._cap_send(follows_16, 170, T0)] == [(170, False)]
    assert [(s.limit_da, s.lowers) for s in planning._cap_send(follows_16, 159, T0)] == [(159, True)]
    unknown = ChargerChargingSettings(charge_point_id=uuid.uuid4(), control="unknown", cap_a=Decimal("16.0"))
    assert [s.limit_da for s in planning._cap_send(unknown, 160, T0)] == [160]  # not known to follow it: resent
