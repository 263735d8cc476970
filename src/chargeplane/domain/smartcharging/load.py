"""A balanced site as it stands: the limit in force, what each charger is counted for, each session's share."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.models import ChargePoint, Site
from chargeplane.domain.errors import NotFound
from chargeplane.domain.smartcharging.models import ChargingAllocation, SiteChargingLimit
from chargeplane.domain.smartcharging.planning import deciamps, effective_limit_da, from_deciamps, reserve_da
from chargeplane.domain.smartcharging.schemas import AllocationRead, ChargerLoadRead, SiteLoadRead
from chargeplane.domain.smartcharging.settings import settings_to_read


def site_load(uow: UnitOfWork, *, site_id: uuid.UUID, now: datetime,
              connected: Callable[[uuid.UUID], bool]) -> SiteLoadRead:
    site = uow.session.get(Site, site_id)
    if site is None:
        raise NotFound("site not found")
    limit = uow.session.get(SiteChargingLimit, site_id)
    if limit is None:
        raise NotFound("this site has no charging limit")
    chargers: list[ChargerLoadRead] = []
    reserved = 0
    for cp in uow.session.scalars(select(ChargePoint).where(ChargePoint.site_id == site_id)
                                  .order_by(ChargePoint.identity)):
        settings = settings_to_read(uow, cp.id)
        online = connected(cp.id)
        steered = online and settings.control in ("unknown", "accepted")
        counted = (deciamps(settings.cap_a) or 0) if steered else reserve_da(settings, online)
        reserved += 0 if steered else counted
        chargers.append(ChargerLoadRead(charge_point_id=cp.id, identity=cp.identity, connected=online,
                                        control=settings.control, counted_a=from_deciamps(counted)))
    rows = uow.session.scalars(select(ChargingAllocation).where(ChargingAllocation.site_id == site_id)
                               .order_by(ChargingAllocation.charge_point_id, ChargingAllocation.connector_id))
    return SiteLoadRead(
        site_id=site_id, enabled=limit.enabled,
        limit_now_a=from_deciamps(effective_limit_da(site, limit, now)),
        planned_a=sum((c.counted_a for c in chargers), start=from_deciamps(0)),
        reserved_a=from_deciamps(reserved), chargers=chargers,
        sessions=[AllocationRead(session_id=r.session_id, charge_point_id=r.charge_point_id,
                                 connector_id=r.connector_id, limit_a=r.limit_a, accepted_limit_a=r.accepted_limit_a,
                                 state=r.state, reason=r.reason, measured_a=r.measured_a) for r in rows],
    )
