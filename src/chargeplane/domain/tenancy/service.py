"""Tenants and their API keys."""

from __future__ import annotations

import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import Conflict, Invalid, NotFound
from chargeplane.domain.identity.permissions import ACCOUNT_ROLES, TENANT_ROLES, Role
from chargeplane.domain.secrets import digest
from chargeplane.domain.tenancy.models import ApiKey, Tenant

KEY_PREFIX = "cpk"
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64].strip("-")
    return slug or "tenant"


def create_tenant(
    uow: UnitOfWork, *, name: str, slug: str | None = None, allow_auto_registration: bool = False
) -> Tenant:
    name = name.strip()
    if not name:
        raise Invalid("tenant name must not be empty", field="name")
    slug = slug or slugify(name)
    if not _SLUG.match(slug):
        raise Invalid("slug must be lowercase letters, digits and '-'", field="slug")
    if uow.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise Conflict("a tenant with slug %(slug)r exists", field="slug", slug=slug)
    tenant = Tenant(name=name, slug=slug, allow_auto_registration=allow_auto_registration)
    uow.session.add(tenant)
    uow.session.flush()
    return tenant


def get_tenant(uow: UnitOfWork) -> Tenant:
    tenant = uow.session.get(Tenant, uow.tenant_id)
    if tenant is None:
        raise NotFound("tenant not found")
    return tenant


def require_terms(tenant: Tenant) -> None:
    """Sign-up and invitations wait until the tenant has published its terms and privacy policy:
    nobody can accept what does not exist."""
    if not tenant.terms_url or not tenant.privacy_url:
        raise Conflict("%(tenant)s has not yet set its terms of use and privacy policy links; sign-up and "
                       "invitations open once a tenant admin sets both", field="terms_url",
                       tenant=tenant.display_name or tenant.name)


def get_tenant_by_slug(uow: UnitOfWork, slug: str) -> Tenant | None:
    return uow.session.scalar(select(Tenant).where(Tenant.slug == slug))


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key: ApiKey
    secret: str  # shown once, never stored


def issue_api_key(uow: UnitOfWork, *, tenant_id: uuid.UUID, name: str, role: Role = Role.TENANT_ADMIN,
                  account_id: uuid.UUID | None = None, created_by_key_id: uuid.UUID | None = None,
                  created_by_user_id: uuid.UUID | None = None) -> IssuedKey:
    """A key acts with one role: a tenant role without an account, an account role with one."""
    if not name.strip():
        raise Invalid("name must not be empty", field="name")
    if role in TENANT_ROLES and account_id is not None:
        raise Invalid("%(role)s is a tenant-wide role: a key with it has no account", field="role", role=role.value)
    if role in ACCOUNT_ROLES and account_id is None:
        raise Invalid("%(role)s needs an account_id", field="account_id", role=role.value)
    prefix = secrets.token_hex(6)
    secret = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(tenant_id=tenant_id, name=name.strip(), role=role.value, account_id=account_id, prefix=prefix,
                 key_hash=digest(secret), created_by_key_id=created_by_key_id,
                 created_by_user_id=created_by_user_id)
    uow.session.add(key)
    uow.session.flush()
    return IssuedKey(key=key, secret=secret)


# A key's last use is written at most this often: a busy integration must not turn reads into writes.
LAST_USE_RESOLUTION = timedelta(minutes=1)


def authenticate_api_key(uow: UnitOfWork, *, secret: str) -> ApiKey | None:
    """The live key with this secret, or None. Runs with an installation scope."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    key = uow.session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.key_hash, digest(secret)):
        return None
    return key


def key_use_is_stale(key: ApiKey, now: datetime) -> bool:
    return key.last_used_at is None or now - key.last_used_at >= LAST_USE_RESOLUTION


def record_api_key_use(uow: UnitOfWork, *, key_id: uuid.UUID, at: datetime) -> None:
    key = uow.session.get(ApiKey, key_id)
    if key is not None:
        key.last_used_at = at



def sole_tenant_slug(uow: UnitOfWork) -> str | None:
    """The slug of the installation's only tenant, if it has exactly one (a laptop's, the demo's)."""
    slugs = uow.session.scalars(select(Tenant.slug).order_by(Tenant.created_at).limit(2)).all()
    return slugs[0] if len(slugs) == 1 else None
