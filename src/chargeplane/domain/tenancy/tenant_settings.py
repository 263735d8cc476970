"""A tenant's own settings: branding, languages, currency, time zone and support links, each checked
before it is stored; a change of the terms or privacy link is a new version users accept anew."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from chargeplane.db import UnitOfWork
from chargeplane.domain.audit.service import changed, record
from chargeplane.domain.errors import Invalid
from chargeplane.domain.identity.contact import check_time_zone, normalize_email
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.messaging.catalog import LANGUAGES
from chargeplane.domain.tenancy.currencies import normalise_currency
from chargeplane.domain.tenancy.models import Tenant
from chargeplane.domain.tenancy.service import get_tenant

SETTINGS = ("name", "display_name", "logo_url", "primary_color", "accent_color", "default_language", "languages",
            "currency", "time_zone", "terms_url", "privacy_url", "support_email", "support_url",
            "allow_auto_registration")
REQUIRED = frozenset({"name", "default_language", "languages", "currency", "time_zone", "allow_auto_registration"})
URLS = ("logo_url", "terms_url", "privacy_url", "support_url")
VERSIONED = ("terms_url", "privacy_url")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def tenant_settings(tenant: Tenant) -> dict[str, Any]:
    return {name: getattr(tenant, name) for name in SETTINGS} | {"terms_version": tenant.terms_version}


def update_tenant_settings(uow: UnitOfWork, *, changes: Mapping[str, Any], actor: Principal | None,
                           now: datetime) -> Tenant:
    """Apply the given settings (only those the caller sent), check them together, audit the change."""
    tenant = get_tenant(uow)
    before = tenant_settings(tenant)
    for name, value in changes.items():
        setattr(tenant, name, _normalise(name, value))
    if tenant.default_language not in tenant.languages:
        raise Invalid("the default language %(default_language)s must be one of the available languages",
                      field="default_language", default_language=tenant.default_language)
    if any(getattr(tenant, name) != before[name] for name in VERSIONED):
        tenant.terms_version += 1
    after = tenant_settings(tenant)
    if after != before:
        old, new = changed(before, after)
        record(uow, actor=actor, action="tenant.update", object_type="tenant", object_id=tenant.id, at=now,
               before=old, after=new)
    uow.session.flush()
    return tenant


def _normalise(name: str, value: Any) -> Any:
    if name not in SETTINGS:
        raise Invalid("%(field)s is not a tenant setting", field=name)
    if value is None:
        if name in REQUIRED:
            raise Invalid("%(field)s cannot be empty", field=name)
        return None
    if name == "allow_auto_registration":
        return bool(value)
    if name == "languages":
        return _languages(value)
    text = str(value).strip()
    if not text and name not in REQUIRED:
        return None
    if name == "name" and not text:
        raise Invalid("name must not be empty", field=name)
    if name in ("primary_color", "accent_color"):
        if not _COLOUR.match(text):
            raise Invalid("%(field)s must be a colour as #rrggbb", field=name)
        return text.lower()
    if name == "default_language" and text not in LANGUAGES:
        raise Invalid("default_language must be one of %(allowed)s", field=name, allowed=", ".join(LANGUAGES))
    if name == "currency":
        return normalise_currency(text)
    if name == "time_zone":
        return check_time_zone(text)
    if name in URLS:
        return check_link(text, field=name)
    if name == "support_email":
        try:
            return normalize_email(text)
        except Invalid as error:
            raise Invalid(error.template, **{**error.details, "field": name}) from None
    return text


def _languages(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not value:
        raise Invalid("languages must list at least one language", field="languages")
    unknown = [code for code in value if code not in LANGUAGES]
    if unknown:
        raise Invalid("unknown language %(language)r: choose among %(allowed)s", field="languages",
                      language=unknown[0], allowed=", ".join(LANGUAGES))
    return list(dict.fromkeys(value))  # without repeats, in the order given


def check_link(url: str, *, field: str) -> str:
    """An https URL with a host; plain http only for a local development server."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise Invalid("%(field)s is not a URL", field=field) from None
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and host in _LOCAL_HOSTS:
        return url
    raise Invalid("%(field)s must be an https:// URL (http:// only for localhost)", field=field)
