"""Recording and reading the audit log. Entry points call `record` in the same unit of work as the
change, so an action and its entry commit together or not at all."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chargeplane.db import UnitOfWork
from chargeplane.domain.audit.models import AuditEntry
from chargeplane.domain.identity.principal import Principal

REDACTED = "[redacted]"
# Settings whose values never reach the log, whatever object they belong to.
SECRET_WORDS = ("password", "secret", "token", "key_hash", "totp", "authorizationkey", "api_key")


def redact(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    clean: dict[str, Any] = {}
    for name, value in values.items():
        lowered = name.lower()
        if any(word in lowered for word in SECRET_WORDS):
            clean[name] = REDACTED
        elif isinstance(value, Mapping):
            clean[name] = redact(value)
        else:
            clean[name] = _plain(value)
    return clean


def _plain(value: Any) -> Any:
    """JSON-friendly: ids, times and decimals as strings."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the settings that changed, before and after."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(uow: UnitOfWork, *, actor: Principal | None, action: str, object_type: str,
           object_id: uuid.UUID | str | None, at: datetime, account_id: uuid.UUID | None = None,
           before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None,
           actor_type: str | None = None, actor_label: str | None = None) -> AuditEntry:
    """`action` is `<object>.<verb>` (charge_point.update, membership.create, command.reset)."""
    entry = AuditEntry(
        account_id=account_id, occurred_at=at,
        actor_type=actor_type or (actor.kind if actor else "system"),
        actor_id=actor.id if actor else None,
        actor_label=actor_label or (actor.label if actor else None),
        source_address=actor.source_address if actor else None,
        action=action, object_type=object_type, object_id=str(object_id) if object_id is not None else None,
        before=redact(before), after=redact(after),
    )
    uow.session.add(entry)
    return entry
