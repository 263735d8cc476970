"""Sites and charge points as people manage them through the API: the asset services, plus the
audit log of every change, and access grants that follow their charger or site to a new owner."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import QueryableAttribute

from chargeplane.db import UnitOfWork
from chargeplane.domain.access.models import AccessGrant
from chargeplane.domain.assets import service
from chargeplane.domain.assets.models import ChargePoint, Site
from chargeplane.domain.audit.service import changed, record
from chargeplane.domain.identity.principal import Principal


def _settings(row: Site | ChargePoint, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def create_site(uow: UnitOfWork, *, fields: dict[str, Any], actor: Principal, now: datetime) -> Site:
    site = service.create_site(uow, **fields)
    record(uow, actor=actor, action="site.create", object_type="site", object_id=site.id, at=now,
           account_id=site.account_id, after=_settings(site, service.SITE_SETTINGS))
    return site


def update_site(uow: UnitOfWork, site_id: uuid.UUID, *, changes: dict[str, Any], actor: Principal,
                now: datetime) -> Site:
    before = _settings(service.get_site(uow, site_id), service.SITE_SETTINGS)
    site = service.update_site(uow, site_id, changes=changes)
    _updated(uow, "site", site, before, AccessGrant.site_id, actor, now)
    return site


def delete_site(uow: UnitOfWork, site_id: uuid.UUID, *, actor: Principal, now: datetime) -> None:
    site = service.get_site(uow, site_id)
    record(uow, actor=actor, action="site.delete", object_type="site", object_id=site.id, at=now,
           account_id=site.account_id, before=_settings(site, service.SITE_SETTINGS))
    service.delete_site(uow, site_id)


def register_charge_point(uow: UnitOfWork, *, fields: dict[str, Any], password_hash: str, actor: Principal,
                          now: datetime) -> ChargePoint:
    cp = service.register_charge_point(uow, password_hash=password_hash, **fields)
    record(uow, actor=actor, action="charge_point.create", object_type="charge_point", object_id=cp.id, at=now,
           account_id=cp.account_id, after=_settings(cp, service.CHARGE_POINT_SETTINGS) | {"identity": cp.identity})
    return cp


def update_charge_point(uow: UnitOfWork, charge_point_id: uuid.UUID, *, changes: dict[str, Any], actor: Principal,
                        now: datetime) -> ChargePoint:
    before = _settings(service.get_charge_point(uow, charge_point_id), service.CHARGE_POINT_SETTINGS)
    cp = service.update_charge_point(uow, charge_point_id, changes=changes)
    _updated(uow, "charge_point", cp, before, AccessGrant.charge_point_id, actor, now)
    return cp


def delete_charge_point(uow: UnitOfWork, charge_point_id: uuid.UUID, *, actor: Principal, now: datetime) -> None:
    cp = service.get_charge_point(uow, charge_point_id)
    record(uow, actor=actor, action="charge_point.delete", object_type="charge_point", object_id=cp.id, at=now,
           account_id=cp.account_id, before=_settings(cp, service.CHARGE_POINT_SETTINGS) | {"identity": cp.identity})
    service.delete_charge_point(uow, charge_point_id)


def _updated(uow: UnitOfWork, kind: str, row: Site | ChargePoint, before: dict[str, Any],
             shared_as: QueryableAttribute[Any], actor: Principal, now: datetime) -> None:
    """Audit what changed; a new owner takes over the access grants that share the row, since a grant
    is managed by the owner of what it shares."""
    if row.account_id != before["account_id"]:
        uow.session.execute(update(AccessGrant).where(shared_as == row.id).values(account_id=row.account_id))
    old, new = changed(before, _settings(row, before))
    if new:
        record(uow, actor=actor, action=f"{kind}.update", object_type=kind, object_id=row.id, at=now,
               account_id=row.account_id, before=old, after=new)
