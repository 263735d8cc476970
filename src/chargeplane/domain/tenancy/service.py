"""Tenants and their API keys."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import Conflict, Invalid, NotFound
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
        raise Conflict(f"a tenant with slug {slug!r} exists", field="slug")
    tenant = Tenant(name=name, slug=slug, allow_auto_registration=allow_auto_registration)
    uow.session.add(tenant)
    uow.session.flush()
    return tenant


def get_tenant(uow: UnitOfWork) -> Tenant:
    tenant = uow.session.get(Tenant, uow.tenant_id)
    if tenant is None:
        raise NotFound("tenant not found")
    return tenant


def get_tenant_by_slug(uow: UnitOfWork, slug: str) -> Tenant | None:
    return uow.session.scalar(select(Tenant).where(Tenant.slug == slug))


def update_tenant(uow: UnitOfWork, *, name: str | None = None, allow_auto_registration: bool | None = None) -> Tenant:
    tenant = get_tenant(uow)
    if name is not None:
        if not name.strip():
            raise Invalid("tenant name must not be empty", field="name")
        tenant.name = name.strip()
    if allow_auto_registration is not None:
        tenant.allow_auto_registration = allow_auto_registration
    uow.session.flush()
    return tenant


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key: ApiKey
    secret: str  # shown once, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_api_key(uow: UnitOfWork, *, tenant_id: uuid.UUID, name: str) -> IssuedKey:
    """API keys are 256-bit random secrets, so a fast hash (SHA-256) is the right tool here."""
    prefix = secrets.token_hex(6)
    secret = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(tenant_id=tenant_id, name=name, prefix=prefix, key_hash=_digest(secret))
    uow.session.add(key)
    uow.session.flush()
    return IssuedKey(key=key, secret=secret)


def authenticate_api_key(uow: UnitOfWork, *, secret: str) -> uuid.UUID | None:
    """The tenant a key belongs to, or None. Runs with an installation scope."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    key = uow.session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.key_hash, _digest(secret)):
        return None
    return key.tenant_id

