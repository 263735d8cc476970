"""Raising, clearing and processing alarms. Called inside the unit of work of what caused them (a
rejected boot, a firmware or security report) or by the alarms job for bus events and its sweep."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from chargeplane.db import UnitOfWork
from chargeplane.domain.alarms.causes import CAUSES, DEFAULT_RULES, LEVELS, Rule
from chargeplane.domain.alarms.events import AlarmChanged
from chargeplane.domain.alarms.models import Alarm, AlarmChange, AlarmRule
from chargeplane.domain.alarms.wording import CAUSE_NAMES, LEVEL_NAMES, name_of
from chargeplane.domain.assets.models import ChargePoint
from chargeplane.domain.errors import Conflict, Invalid, NotFound
from chargeplane.domain.identity.memberships import tenant_admin_emails
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.messaging.outbox import queue_message
from chargeplane.domain.tenancy.models import Tenant

OPEN = ("open", "acknowledged")


def rule_for(uow: UnitOfWork, cause: str) -> Rule:
    row = uow.session.scalar(select(AlarmRule).where(AlarmRule.cause == cause))
    if row is None:
        return DEFAULT_RULES[cause]
    return Rule(row.enabled, row.level, row.offline_after_seconds, tuple(row.notify_emails or ()))


def set_rule(uow: UnitOfWork, *, cause: str, changes: dict[str, Any]) -> Rule:
    if cause not in CAUSES:
        raise NotFound("there is no alarm cause %(cause)r", cause=cause)
    level = changes.get("level")
    if level is not None and level not in LEVELS:
        raise Invalid("level must be one of %(allowed)s", field="level", allowed=", ".join(LEVELS))
    row = uow.session.scalar(select(AlarmRule).where(AlarmRule.cause == cause))
    if row is None:
        default = DEFAULT_RULES[cause]
        row = AlarmRule(cause=cause, enabled=default.enabled, level=default.level,
                        offline_after_seconds=default.offline_after_seconds, notify_emails=[])
        uow.session.add(row)
    for name in ("enabled", "level", "offline_after_seconds", "notify_emails"):
        if changes.get(name) is not None:
            setattr(row, name, list(changes[name]) if name == "notify_emails" else changes[name])
    uow.session.flush()
    return rule_for(uow, cause)


def _open_alarm(uow: UnitOfWork, key: str) -> Alarm | None:
    return uow.session.scalar(select(Alarm).where(Alarm.cause_key == key, Alarm.status.in_(OPEN)))


def _change(uow: UnitOfWork, alarm: Alarm, change: str, at: datetime, actor: str | None = None,
            comment: str | None = None) -> None:
    seq = (uow.session.scalar(select(func.max(AlarmChange.seq)).where(AlarmChange.alarm_id == alarm.id)) or 0) + 1
    uow.session.add(AlarmChange(alarm_id=alarm.id, seq=seq, at=at, change=change, actor=actor, comment=comment))
    if change != "repeated":
        uow.publish(AlarmChanged(uow.tenant_id, alarm.id, change, alarm.cause, alarm.level, alarm.charge_point_id, at))


def raise_alarm(uow: UnitOfWork, *, cause: str, key: str, at: datetime, charge_point_id: uuid.UUID | None = None,
                connector_id: int | None = None, session_id: uuid.UUID | None = None, detail: str | None = None,
                base_url: str | None = None) -> Alarm | None:
    """Raise the alarm of this cause, or count one more occurrence of the open one. None when the
    tenant's rule switched the cause off."""
    rule = rule_for(uow, cause)
    if not rule.enabled:
        return None
    existing = _open_alarm(uow, key)
    if existing is not None:
        existing.occurrences += 1
        existing.last_seen_at = at
        if detail:
            existing.detail = detail[:500]
        _change(uow, existing, "repeated", at)
        return existing
    account_id = uow.session.scalar(select(ChargePoint.account_id).where(ChargePoint.id == charge_point_id)) \
        if charge_point_id else None
    alarm = Alarm(account_id=account_id, cause=cause, cause_key=key, charge_point_id=charge_point_id,
                  connector_id=connector_id, session_id=session_id, level=rule.level, status="open",
                  detail=detail[:500] if detail else None, occurrences=1, raised_at=at, last_seen_at=at)
    uow.session.add(alarm)
    uow.session.flush()
    _change(uow, alarm, "raised", at)
    _notify(uow, alarm, rule, at, base_url)
    return alarm


def clear_cause(uow: UnitOfWork, *, key: str, at: datetime) -> Alarm | None:
    """The cause went away: its open alarm resolves by itself."""
    alarm = _open_alarm(uow, key)
    if alarm is not None:
        alarm.status, alarm.resolved_at, alarm.resolved_by = "resolved", at, None
        _change(uow, alarm, "resolved", at, comment="the cause cleared")
    return alarm


def acknowledge(uow: UnitOfWork, *, alarm_id: uuid.UUID, actor: str, comment: str | None, now: datetime) -> Alarm:
    alarm = get_alarm(uow, alarm_id)
    if alarm.status != "open":
        raise Conflict("only an open alarm can be acknowledged; this one is %(status)s", status=alarm.status)
    alarm.status, alarm.acknowledged_at, alarm.acknowledged_by = "acknowledged", now, actor
    _change(uow, alarm, "acknowledged", now, actor, comment)
    return alarm


def resolve(uow: UnitOfWork, *, alarm_id: uuid.UUID, actor: str, comment: str | None, now: datetime) -> Alarm:
    alarm = get_alarm(uow, alarm_id)
    if alarm.status == "resolved":
        raise Conflict("the alarm is resolved already")
    alarm.status, alarm.resolved_at, alarm.resolved_by = "resolved", now, actor
    _change(uow, alarm, "resolved", now, actor, comment)
    return alarm


def get_alarm(uow: UnitOfWork, alarm_id: uuid.UUID) -> Alarm:
    alarm = uow.session.get(Alarm, alarm_id)
    if alarm is None:
        raise NotFound("alarm not found")
    return alarm


def history(uow: UnitOfWork, alarm_id: uuid.UUID) -> list[AlarmChange]:
    return list(uow.session.scalars(select(AlarmChange).where(AlarmChange.alarm_id == alarm_id)
                                    .order_by(AlarmChange.seq)))


def _notify(uow: UnitOfWork, alarm: Alarm, rule: Rule, at: datetime, base_url: str | None) -> None:
    """Email the rule's addresses, or the tenant's admins when it names none."""
    tenant = uow.session.get(Tenant, uow.tenant_id)
    assert tenant is not None
    recipients = list(rule.notify_emails) or tenant_admin_emails(uow)
    charger = uow.session.scalar(select(ChargePoint.identity).where(ChargePoint.id == alarm.charge_point_id)) \
        if alarm.charge_point_id else None
    language = tenant.default_language
    for email in recipients:
        queue_message(uow, channel="email", recipient=email, language=language, template="alarm_raised", now=at,
                      params={"tenant": tenant.display_name or tenant.name,
                              "level": name_of(LEVEL_NAMES, alarm.level, language),
                              "what": name_of(CAUSE_NAMES, alarm.cause, language), "charger": charger or "-",
                              "detail": alarm.detail or "",
                              "link": f"{base_url or ''}/api/v1/alarms/{alarm.id}"})


def list_alarms(uow: UnitOfWork, *, status: str | None, level: str | None, cause: str | None,
                charge_point_id: uuid.UUID | None, limit: int,
                after: tuple[datetime, uuid.UUID] | None) -> list[Alarm]:
    query = select(Alarm)
    if status == "active":
        query = query.where(Alarm.status.in_(OPEN))
    elif status is not None:
        query = query.where(Alarm.status == status)
    for column, value in ((Alarm.level, level), (Alarm.cause, cause), (Alarm.charge_point_id, charge_point_id)):
        if value is not None:
            query = query.where(column == value)
    return list(uow.session.scalars(newest_first(query, Alarm, limit=limit, after=after)))
