"""What operators set: a site's limit and schedule, a charger's part in balancing, a session's target."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.models import ChargePoint, Site
from chargeplane.domain.audit import service as audit
from chargeplane.domain.errors import Conflict, NotFound
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.sessions.models import ChargingSession
from chargeplane.domain.smartcharging.events import ChargingTargetChanged, SiteLimitChanged
from chargeplane.domain.smartcharging.models import ChargerChargingSettings, ChargingTarget, SiteChargingLimit
from chargeplane.domain.smartcharging.schemas import (
    ChargerSettingsRead,
    ChargerSettingsSet,
    ChargingTargetRead,
    ChargingTargetSet,
    SiteLimitRead,
    SiteLimitSet,
)

DEFAULT_MIN_A, DEFAULT_MAX_A = Decimal(6), Decimal(32)


def _site(uow: UnitOfWork, site_id: uuid.UUID) -> Site:
    site = uow.session.get(Site, site_id)  # gated: another tenant's or account's site is not found
    if site is None:
        raise NotFound("site not found")
    return site


def _charge_point(uow: UnitOfWork, charge_point_id: uuid.UUID) -> ChargePoint:
    charge_point = uow.session.get(ChargePoint, charge_point_id)
    if charge_point is None:
        raise NotFound("charge point not found")
    return charge_point


def _limit_values(row: SiteChargingLimit) -> dict[str, Any]:
    return {"limit": str(row.limit), "unit": row.unit, "phases": row.phases, "voltage": row.voltage,
            "schedule": row.schedule, "enabled": row.enabled}


def get_site_limit(uow: UnitOfWork, *, site_id: uuid.UUID) -> SiteLimitRead | None:
    _site(uow, site_id)
    row = uow.session.get(SiteChargingLimit, site_id)
    return SiteLimitRead.model_validate(row) if row is not None else None


def set_site_limit(uow: UnitOfWork, *, site_id: uuid.UUID, body: SiteLimitSet, actor: Principal | None,
                   now: datetime) -> SiteLimitRead:
    site = _site(uow, site_id)
    row = uow.session.get(SiteChargingLimit, site_id)
    before = _limit_values(row) if row is not None else None
    if row is None:
        row = SiteChargingLimit(site_id=site_id)
        uow.session.add(row)
    row.limit, row.unit, row.phases, row.voltage = body.limit, body.unit, body.phases, body.voltage
    row.schedule = [period.model_dump(mode="json") for period in body.schedule]
    row.enabled = body.enabled
    row.updated_at = now
    uow.session.flush()
    released = () if body.enabled else _chargers_of(uow, site_id)
    audit.record(uow, actor=actor, action="site.charging_limit", object_type="site", object_id=site_id,
                 account_id=site.account_id, at=now, before=before, after=_limit_values(row))
    uow.publish(SiteLimitChanged(uow.tenant_id, site_id, released))
    return SiteLimitRead.model_validate(row)


def remove_site_limit(uow: UnitOfWork, *, site_id: uuid.UUID, actor: Principal | None, now: datetime) -> None:
    site = _site(uow, site_id)
    row = uow.session.get(SiteChargingLimit, site_id)
    if row is None:
        raise NotFound("this site has no charging limit")
    before = _limit_values(row)
    uow.session.delete(row)
    audit.record(uow, actor=actor, action="site.charging_limit", object_type="site", object_id=site_id,
                 account_id=site.account_id, at=now, before=before, after=None)
    uow.publish(SiteLimitChanged(uow.tenant_id, site_id, _chargers_of(uow, site_id)))


def _chargers_of(uow: UnitOfWork, site_id: uuid.UUID) -> tuple[uuid.UUID, ...]:
    return tuple(uow.session.scalars(select(ChargePoint.id).where(ChargePoint.site_id == site_id)))


def _defaults(charge_point_id: uuid.UUID) -> ChargerChargingSettings:
    return ChargerChargingSettings(charge_point_id=charge_point_id, min_current_a=DEFAULT_MIN_A,
                                   max_current_a=DEFAULT_MAX_A, phases=3, priority=0, control="unknown")


def charger_settings(uow: UnitOfWork, charge_point_id: uuid.UUID) -> ChargerChargingSettings:
    """The charger's settings row, made with the defaults the first time it is written to."""
    row = uow.session.get(ChargerChargingSettings, charge_point_id)
    if row is None:
        row = _defaults(charge_point_id)
        uow.session.add(row)
        uow.session.flush()
    return row


def settings_to_read(uow: UnitOfWork, charge_point_id: uuid.UUID) -> ChargerChargingSettings:
    """The stored row, or the defaults it would be made with (not stored: reading writes nothing)."""
    return uow.session.get(ChargerChargingSettings, charge_point_id) or _defaults(charge_point_id)


def get_charger_settings(uow: UnitOfWork, *, charge_point_id: uuid.UUID) -> ChargerSettingsRead:
    _charge_point(uow, charge_point_id)
    return ChargerSettingsRead.model_validate(settings_to_read(uow, charge_point_id))


def set_charger_settings(uow: UnitOfWork, *, charge_point_id: uuid.UUID, body: ChargerSettingsSet,
                         actor: Principal | None, now: datetime) -> ChargerSettingsRead:
    charge_point = _charge_point(uow, charge_point_id)
    row = charger_settings(uow, charge_point_id)
    fields = ("min_current_a", "max_current_a", "phases", "priority")
    before = {name: str(getattr(row, name)) for name in fields}
    for name, value in body.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(row, name, value)
    if row.min_current_a > row.max_current_a:
        raise Conflict("min_current_a cannot be above max_current_a", field="min_current_a")
    row.updated_at = now
    audit.record(uow, actor=actor, action="charge_point.charging_settings", object_type="charge_point",
                 object_id=charge_point_id, account_id=charge_point.account_id, at=now, before=before,
                 after={name: str(getattr(row, name)) for name in fields})
    uow.publish(SiteLimitChanged(uow.tenant_id, charge_point.site_id))
    return ChargerSettingsRead.model_validate(row)


def _running(uow: UnitOfWork, session_id: uuid.UUID) -> ChargingSession:
    session = uow.session.get(ChargingSession, session_id)
    if session is None:
        raise NotFound("session not found")
    if session.state not in ("active", "interrupted"):
        raise Conflict("the session has ended")
    return session


def get_target(uow: UnitOfWork, *, session_id: uuid.UUID) -> ChargingTargetRead | None:
    if uow.session.get(ChargingSession, session_id) is None:
        raise NotFound("session not found")
    row = uow.session.get(ChargingTarget, session_id)
    return ChargingTargetRead.model_validate(row) if row is not None else None


def set_target(uow: UnitOfWork, *, session_id: uuid.UUID, body: ChargingTargetSet, actor: Principal | None,
               now: datetime) -> ChargingTargetRead:
    session = _running(uow, session_id)
    row = uow.session.get(ChargingTarget, session_id)
    if row is None:
        row = ChargingTarget(session_id=session_id, created_at=now)
        uow.session.add(row)
    row.energy_wh, row.soc_percent = body.energy_wh, body.soc_percent
    row.set_by = actor.label if actor else None
    row.reached_at = None  # a new target may let the session draw again
    uow.session.flush()
    audit.record(uow, actor=actor, action="session.charging_target", object_type="session", object_id=session_id,
                 account_id=session.account_id, at=now,
                 after={"energy_wh": body.energy_wh, "soc_percent": body.soc_percent})
    uow.publish(ChargingTargetChanged(uow.tenant_id, session_id))
    return ChargingTargetRead.model_validate(row)


def remove_target(uow: UnitOfWork, *, session_id: uuid.UUID, actor: Principal | None, now: datetime) -> None:
    session = _running(uow, session_id)
    row = uow.session.get(ChargingTarget, session_id)
    if row is None:
        raise NotFound("this session has no charging target")
    uow.session.delete(row)
    audit.record(uow, actor=actor, action="session.charging_target", object_type="session", object_id=session_id,
                 account_id=session.account_id, at=now, before={"energy_wh": row.energy_wh,
                                                                "soc_percent": row.soc_percent})
    uow.publish(ChargingTargetChanged(uow.tenant_id, session_id))
