"""Tariffs: create, read, change, delete. Every change is audited; sessions keep the copy frozen at their
start, so editing or deleting a tariff never changes a running or past session."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.access.models import CustomerGroup
from chargeplane.domain.access.reach import account_in_reach
from chargeplane.domain.assets.models import ChargePoint, Site
from chargeplane.domain.audit.service import changed, record
from chargeplane.domain.errors import Invalid, NotFound
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.pricing.models import Tariff
from chargeplane.domain.pricing.spec import spec_from_json, spec_to_json
from chargeplane.domain.tenancy.models import Tenant

SETTINGS = ("name", "currency", "elements", "min_price", "max_price", "site_id", "charge_point_id", "audience",
            "customer_group_id", "valid_from", "valid_to", "active", "account_id")


def _settings(tariff: Tariff) -> dict[str, Any]:
    return {name: getattr(tariff, name) for name in SETTINGS}


def _set_prices(tariff: Tariff) -> None:
    """Checked as OCPI reads it and stored normalised (numbers as strings: exact, as entered)."""
    spec = spec_to_json(spec_from_json({"currency": tariff.currency, "elements": tariff.elements,
                                        "min_price": tariff.min_price, "max_price": tariff.max_price}))
    tariff.elements, tariff.min_price, tariff.max_price = spec["elements"], spec.get("min_price"), spec.get("max_price")


def _owner_of_place(uow: UnitOfWork, *, site_id: uuid.UUID | None, charge_point_id: uuid.UUID | None,
                    account_id: uuid.UUID | None, actor: Principal | None) -> uuid.UUID | None:
    """A tariff on a site or charge point belongs to its account; one on no place to the account named
    (or the caller's own), or to the tenant."""
    if site_id is not None and charge_point_id is not None:
        raise Invalid("give a site_id or a charge_point_id, not both (neither: every charger of the owner)",
                      field="charge_point_id")
    place: Site | ChargePoint | None = None
    if site_id is not None:
        place = uow.session.get(Site, site_id)
        if place is None:
            raise Invalid("site_id names no site of yours", field="site_id")
    elif charge_point_id is not None:
        place = uow.session.get(ChargePoint, charge_point_id)
        if place is None:
            raise Invalid("charge_point_id names no charge point of yours", field="charge_point_id")
    if place is None:
        return account_in_reach(uow, account_id, actor=actor)
    if account_id is not None and account_id != place.account_id:
        raise Invalid("account_id must be the account the site or charge point belongs to (or left out)",
                      field="account_id")
    return place.account_id


def _check_audience(uow: UnitOfWork, tariff: Tariff) -> None:
    if tariff.audience == "customer_group":
        if tariff.customer_group_id is None:
            raise Invalid("a customer_group tariff needs customer_group_id", field="customer_group_id")
        if uow.session.get(CustomerGroup, tariff.customer_group_id) is None:
            raise Invalid("customer_group_id names no customer group of yours", field="customer_group_id")
    elif tariff.customer_group_id is not None:
        raise Invalid("customer_group_id is only for the customer_group audience", field="customer_group_id")


def _check_validity(tariff: Tariff) -> None:
    if tariff.valid_from is not None and tariff.valid_to is not None and tariff.valid_from >= tariff.valid_to:
        raise Invalid("valid_to must be after valid_from", field="valid_to")


def create_tariff(uow: UnitOfWork, *, fields: dict[str, Any], actor: Principal | None, now: datetime) -> Tariff:
    fields = dict(fields)
    account_id = _owner_of_place(uow, site_id=fields.get("site_id"), charge_point_id=fields.get("charge_point_id"),
                                 account_id=fields.pop("account_id", None), actor=actor)
    if fields.get("currency") is None:
        fields["currency"] = uow.session.scalar(select(Tenant.currency)) or "EUR"
    tariff = Tariff(**fields, account_id=account_id, created_at=now, updated_at=now)
    _set_prices(tariff)
    _check_audience(uow, tariff)
    _check_validity(tariff)
    uow.session.add(tariff)
    uow.session.flush()
    record(uow, actor=actor, action="tariff.create", object_type="tariff", object_id=tariff.id, at=now,
           account_id=tariff.account_id, after=_settings(tariff))
    return tariff


def get_tariff(uow: UnitOfWork, tariff_id: uuid.UUID) -> Tariff:
    tariff = uow.session.get(Tariff, tariff_id)
    if tariff is None:
        raise NotFound("tariff not found", tariff_id=str(tariff_id))
    return tariff


def list_tariffs(uow: UnitOfWork, *, site_id: uuid.UUID | None = None, charge_point_id: uuid.UUID | None = None,
                 audience: str | None = None, account_id: uuid.UUID | None = None, limit: int,
                 after: tuple[Any, uuid.UUID] | None = None) -> list[Tariff]:
    query = select(Tariff)
    for column, value in ((Tariff.site_id, site_id), (Tariff.charge_point_id, charge_point_id),
                          (Tariff.audience, audience), (Tariff.account_id, account_id)):
        if value is not None:
            query = query.where(column == value)
    return list(uow.session.scalars(newest_first(query, Tariff, limit=limit, after=after)))


def update_tariff(uow: UnitOfWork, tariff_id: uuid.UUID, *, changes: dict[str, Any], actor: Principal | None,
                  now: datetime) -> Tariff:
    tariff = get_tariff(uow, tariff_id)
    before = _settings(tariff)
    for name in ("name", "currency", "elements", "audience", "active"):
        if name in changes and changes[name] is None:
            raise Invalid("%(field)s cannot be null", field=name)
    if changes.get("audience", "customer_group") != "customer_group" and "customer_group_id" not in changes:
        changes["customer_group_id"] = None  # leaving a group audience leaves the group
    for name, value in changes.items():
        setattr(tariff, name, value)
    _set_prices(tariff)
    _check_audience(uow, tariff)
    _check_validity(tariff)
    old, new = changed(before, _settings(tariff))
    if new:
        tariff.updated_at = now
        record(uow, actor=actor, action="tariff.update", object_type="tariff", object_id=tariff.id, at=now,
               account_id=tariff.account_id, before=old, after=new)
    return tariff


def delete_tariff(uow: UnitOfWork, tariff_id: uuid.UUID, *, actor: Principal | None, now: datetime) -> None:
    """Gone for good: sessions that used it keep their frozen copy (their `tariff_id` becomes null), and
    CDRs carry their own. To stop offering a tariff but keep it listed, set `active` to false instead."""
    tariff = get_tariff(uow, tariff_id)
    record(uow, actor=actor, action="tariff.delete", object_type="tariff", object_id=tariff.id, at=now,
           account_id=tariff.account_id, before=_settings(tariff))
    uow.session.delete(tariff)
    uow.session.flush()
