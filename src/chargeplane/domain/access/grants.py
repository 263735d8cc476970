"""Access grants: a charge point or a site shared with a user or a customer group, maybe until a time.

A grant belongs to the account of what it shares: whoever manages that account manages its grants.
A user can be anyone of the tenant (a private charger shared with family who signed up themselves);
a group must be one the caller sees."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.access.groups import get_group
from chargeplane.domain.access.models import AccessGrant
from chargeplane.domain.assets.models import ChargePoint, Site
from chargeplane.domain.audit.service import record
from chargeplane.domain.errors import Conflict, Invalid, NotFound
from chargeplane.domain.identity.contact import email_key
from chargeplane.domain.identity.models import User
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.keyset import newest_first


@dataclass(frozen=True, slots=True)
class GrantFilter:
    charge_point_id: uuid.UUID | None = None
    site_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    customer_group_id: uuid.UUID | None = None


def _settings(grant: AccessGrant) -> dict[str, Any]:
    return {"charge_point_id": grant.charge_point_id, "site_id": grant.site_id, "user_id": grant.user_id,
            "customer_group_id": grant.customer_group_id, "valid_until": grant.valid_until}


def _shared_account(uow: UnitOfWork, charge_point_id: uuid.UUID | None, site_id: uuid.UUID | None
                    ) -> uuid.UUID | None:
    if (charge_point_id is None) == (site_id is None):
        raise Invalid("share either a charge_point_id or a site_id")
    shared = (uow.session.get(ChargePoint, charge_point_id) if charge_point_id is not None
              else uow.session.get(Site, site_id))
    if shared is None:
        field = "charge_point_id" if charge_point_id is not None else "site_id"
        raise Invalid("%(field)s names nothing of yours to share", field=field)
    return shared.account_id


def _grantee(uow: UnitOfWork, user_id: uuid.UUID | None, user_email: str | None,
             customer_group_id: uuid.UUID | None) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    if sum(x is not None for x in (user_id, user_email, customer_group_id)) != 1:
        raise Invalid("share with one of user_id, user_email or customer_group_id")
    if customer_group_id is not None:
        try:
            return None, get_group(uow, customer_group_id).id
        except NotFound:
            raise Invalid("customer_group_id names no group of yours", field="customer_group_id") from None
    if user_email is not None:
        found = uow.session.scalar(select(User.id).where(User.email_key == email_key(user_email)))
        if found is None:
            raise Invalid("no user has this email: they sign up first", field="user_email")
        return found, None
    if uow.session.get(User, user_id) is None:
        raise Invalid("user_id names no user", field="user_id")
    return user_id, None


def create_grant(uow: UnitOfWork, *, charge_point_id: uuid.UUID | None = None, site_id: uuid.UUID | None = None,
                 user_id: uuid.UUID | None = None, user_email: str | None = None,
                 customer_group_id: uuid.UUID | None = None, valid_until: datetime | None = None,
                 actor: Principal | None, now: datetime) -> AccessGrant:
    account_id = _shared_account(uow, charge_point_id, site_id)
    user, group = _grantee(uow, user_id, user_email, customer_group_id)
    if valid_until is not None:
        valid_until = valid_until.astimezone(UTC)
        if valid_until <= now:
            raise Invalid("valid_until must be in the future", field="valid_until")
    same = select(AccessGrant.id).where(
        AccessGrant.charge_point_id == charge_point_id if charge_point_id else AccessGrant.site_id == site_id,
        AccessGrant.user_id == user if user else AccessGrant.customer_group_id == group,
    )
    if uow.session.scalar(same.limit(1)) is not None:
        raise Conflict("this is already shared with them: delete that grant to change it")
    grant = AccessGrant(account_id=account_id, charge_point_id=charge_point_id, site_id=site_id, user_id=user,
                        customer_group_id=group, valid_until=valid_until)
    uow.session.add(grant)
    uow.session.flush()
    record(uow, actor=actor, action="access_grant.create", object_type="access_grant", object_id=grant.id, at=now,
           account_id=account_id, after=_settings(grant))
    return grant


def get_grant(uow: UnitOfWork, grant_id: uuid.UUID) -> AccessGrant:
    grant = uow.session.get(AccessGrant, grant_id)
    if grant is None:
        raise NotFound("access grant not found", access_grant_id=str(grant_id))
    return grant


def list_grants(uow: UnitOfWork, *, where: GrantFilter, limit: int,
                after: tuple[Any, uuid.UUID] | None = None) -> list[AccessGrant]:
    query = select(AccessGrant)
    for column, value in ((AccessGrant.charge_point_id, where.charge_point_id), (AccessGrant.site_id, where.site_id),
                          (AccessGrant.user_id, where.user_id),
                          (AccessGrant.customer_group_id, where.customer_group_id)):
        if value is not None:
            query = query.where(column == value)
    return list(uow.session.scalars(newest_first(query, AccessGrant, limit=limit, after=after)))


def delete_grant(uow: UnitOfWork, grant_id: uuid.UUID, *, actor: Principal | None, now: datetime) -> None:
    grant = get_grant(uow, grant_id)
    before = _settings(grant)
    uow.session.delete(grant)
    uow.session.flush()
    record(uow, actor=actor, action="access_grant.delete", object_type="access_grant", object_id=grant_id, at=now,
           account_id=grant.account_id, before=before)
