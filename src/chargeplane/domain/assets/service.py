"""Charge points and sites as the operator manages them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.credentials import check_identity
from chargeplane.domain.assets.events import ChargePointChanged
from chargeplane.domain.assets.models import ChargePoint, Site
from chargeplane.domain.errors import Conflict, Invalid, NotFound
from chargeplane.domain.identity.contact import check_time_zone
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.tenancy.accounts import get_account
from chargeplane.domain.unique import add_unique

REGISTRATION_STATUSES = ("accepted", "pending", "rejected")
SITE_SETTINGS = ("name", "address", "time_zone", "latitude", "longitude", "account_id")
CHARGE_POINT_SETTINGS = ("name", "site_id", "registration_status", "password_hash", "account_id", "community",
                         "public")


def check_owner(uow: UnitOfWork, account_id: uuid.UUID | None) -> None:
    """A site or charger belongs to an account the caller sees, or (tenant staff only) to no account."""
    if account_id is not None:
        get_account(uow, account_id, field="account_id")
    elif uow.scope.accounts is not None:
        raise Invalid("account_id must be one of your accounts", field="account_id")


def create_site(uow: UnitOfWork, *, name: str, address: str | None = None, time_zone: str = "UTC",
                latitude: float | None = None, longitude: float | None = None,
                account_id: uuid.UUID | None = None) -> Site:
    check_owner(uow, account_id)
    site = Site(name=name, address=address, time_zone=check_time_zone(time_zone), latitude=latitude,
                longitude=longitude, account_id=account_id)
    uow.session.add(site)
    uow.session.flush()
    return site


def get_site(uow: UnitOfWork, site_id: uuid.UUID, *, field: str | None = None) -> Site:
    # A query, not session.get: an object already in the identity map would skip the gate.
    site = uow.session.scalar(select(Site).where(Site.id == site_id))
    if site is None:
        raise NotFound("site not found", site_id=str(site_id), **({"field": field} if field else {}))
    return site


def update_site(uow: UnitOfWork, site_id: uuid.UUID, *, changes: dict[str, Any]) -> Site:
    """`changes` holds only the fields the caller set."""
    site = get_site(uow, site_id)
    _check_known(changes, SITE_SETTINGS)
    if "name" in changes and not (changes["name"] or "").strip():
        raise Invalid("name must not be empty", field="name")
    if "time_zone" in changes:
        changes = {**changes, "time_zone": check_time_zone(changes["time_zone"] or "")}
    if "account_id" in changes:
        check_owner(uow, changes["account_id"])
    for field, value in changes.items():
        setattr(site, field, value)
    uow.session.flush()
    return site


def delete_site(uow: UnitOfWork, site_id: uuid.UUID) -> None:
    """Its charge points stay, without a site."""
    site = get_site(uow, site_id)
    uow.session.delete(site)
    uow.session.flush()


def list_sites(uow: UnitOfWork) -> list[Site]:
    return list(uow.session.scalars(select(Site).order_by(Site.name, Site.id)))


def register_charge_point(
    uow: UnitOfWork,
    *,
    identity: str,
    password_hash: str,
    name: str | None = None,
    site_id: uuid.UUID | None = None,
    registration_status: str = "accepted",
    account_id: uuid.UUID | None = None,
    community: bool = False,
    public: bool = False,
) -> ChargePoint:
    check_identity(identity)
    _check_registration_status(registration_status)
    check_owner(uow, account_id)
    if site_id is not None:
        get_site(uow, site_id, field="site_id")
    charge_point = ChargePoint(
        identity=identity, password_hash=password_hash, name=name, site_id=site_id,
        registration_status=registration_status, account_id=account_id, community=community, public=public,
    )
    # Identities are unique across the installation, so the clash may be with another tenant.
    return add_unique(uow, charge_point, Conflict("identity %(identity)r is already registered", field="identity",
                      identity=identity))


def get_charge_point(uow: UnitOfWork, charge_point_id: uuid.UUID) -> ChargePoint:
    charge_point = uow.session.scalar(
        select(ChargePoint).options(selectinload(ChargePoint.connectors)).where(ChargePoint.id == charge_point_id)
    )
    if charge_point is None:
        raise NotFound("charge point not found", charge_point_id=str(charge_point_id))
    return charge_point


@dataclass(frozen=True, slots=True)
class ChargePointFilter:
    site_id: uuid.UUID | None = None
    registration_status: str | None = None
    identity: str | None = None
    search: str | None = None  # part of the identity or the name, any case
    account_ids: frozenset[uuid.UUID] | None = None


def list_charge_points(uow: UnitOfWork, *, where: ChargePointFilter, limit: int,
                       after: tuple[Any, uuid.UUID] | None = None) -> list[ChargePoint]:
    """Newest first; `after` is the (created_at, id) of the last row of the previous page."""
    query = select(ChargePoint).options(selectinload(ChargePoint.connectors))
    if where.site_id is not None:
        query = query.where(ChargePoint.site_id == where.site_id)
    if where.registration_status is not None:
        query = query.where(ChargePoint.registration_status == where.registration_status)
    if where.identity is not None:
        query = query.where(ChargePoint.identity == where.identity)
    if where.search:
        text = where.search.lower()
        query = query.where(func.lower(ChargePoint.identity).contains(text, autoescape=True)
                            | func.lower(ChargePoint.name).contains(text, autoescape=True))
    if where.account_ids is not None:
        query = query.where(ChargePoint.account_id.in_(where.account_ids))
    query = newest_first(query, ChargePoint, after=after, limit=limit)
    return list(uow.session.scalars(query))


def update_charge_point(
    uow: UnitOfWork, charge_point_id: uuid.UUID, *, changes: dict[str, Any]
) -> ChargePoint:
    """`changes` holds only the fields the caller set (see CHARGE_POINT_SETTINGS)."""
    charge_point = get_charge_point(uow, charge_point_id)
    _check_known(changes, CHARGE_POINT_SETTINGS)
    if changes.get("site_id") is not None:
        get_site(uow, changes["site_id"], field="site_id")
    if "account_id" in changes:
        check_owner(uow, changes["account_id"])
    for flag in ("community", "public"):
        if flag in changes and not isinstance(changes[flag], bool):
            raise Invalid("%(field)s is true or false", field=flag)
    if "registration_status" in changes:
        _check_registration_status(changes["registration_status"])
    for field, value in changes.items():
        setattr(charge_point, field, value)
    if changes.get("registration_status", "accepted") != "accepted":
        charge_point.boot_status = None  # it must boot again to learn it is no longer accepted
    uow.session.flush()
    uow.publish(ChargePointChanged(
        tenant_id=charge_point.tenant_id, charge_point_id=charge_point.id,
        registration_status=charge_point.registration_status,
        password_changed="password_hash" in changes,
    ))
    return charge_point


def delete_charge_point(uow: UnitOfWork, charge_point_id: uuid.UUID) -> None:
    """Sessions and meter values stay (they carry money); they keep the identity they were made with."""
    charge_point = get_charge_point(uow, charge_point_id)
    uow.session.delete(charge_point)
    uow.session.flush()
    uow.publish(ChargePointChanged(
        tenant_id=charge_point.tenant_id, charge_point_id=charge_point.id, registration_status=None,
        password_changed=False, deleted=True,
    ))


def _check_known(changes: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise Invalid("cannot change %(names)s", names=", ".join(sorted(unknown)))


def _check_registration_status(value: str) -> None:
    if value not in REGISTRATION_STATUSES:
        raise Invalid("registration_status must be one of %(allowed)s",
                      field="registration_status", allowed=", ".join(REGISTRATION_STATUSES))
