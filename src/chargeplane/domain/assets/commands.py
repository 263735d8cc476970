"""The audit trail of remote commands: every command sent to a charger is logged with its payload,
secrets redacted (a configuration key such as AuthorizationKey keeps its name, not its value)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.service import get_charge_point
from chargeplane.domain.audit.service import REDACTED, SECRET_WORDS, record
from chargeplane.domain.identity.principal import Principal

# Where a payload names a setting (1.6 ChangeConfiguration: key/value; 2.0.1 SetVariables:
# variable.name/attributeValue), the value is a secret when the name says so.
_NAMES = ("key", "name")
_VALUES = ("value", "attributeValue")


def record_command(uow: UnitOfWork, *, charge_point_id: uuid.UUID, command: str, payload: dict[str, Any],
                   actor: Principal, now: datetime) -> None:
    """`command` is the action in kebab case (reset, change-configuration); the log says command.<it>."""
    cp = get_charge_point(uow, charge_point_id)
    record(uow, actor=actor, action=f"command.{command}", object_type="charge_point", object_id=cp.id, at=now,
           account_id=cp.account_id, after=redact_settings(payload))


def redact_settings(payload: dict[str, Any]) -> dict[str, Any]:
    return {name: _walk(value) for name, value in _redact_named_value(payload).items()}


def _walk(value: Any) -> Any:
    if isinstance(value, dict):
        return redact_settings(value)
    if isinstance(value, list):
        return [_walk(item) for item in value]
    return value


def _redact_named_value(node: dict[str, Any]) -> dict[str, Any]:
    named = " ".join(_setting_names(node)).lower()
    if not any(word in named for word in SECRET_WORDS):
        return node
    return {name: REDACTED if name in _VALUES else value for name, value in node.items()}


def _setting_names(node: dict[str, Any]) -> list[str]:
    names = [str(node[name]) for name in _NAMES if isinstance(node.get(name), str)]
    variable = node.get("variable")
    if isinstance(variable, dict) and isinstance(variable.get("name"), str):
        names.append(variable["name"])
    return names
