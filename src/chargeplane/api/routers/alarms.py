"""Alarms: list and read them with their history, acknowledge and resolve them; each tenant's rules
(which causes raise alarms, at what level, who is mailed, how long a charger may be away)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.db import UnitOfWork
from chargeplane.domain.alarms import service
from chargeplane.domain.alarms.causes import CAUSES, Rule
from chargeplane.domain.alarms.models import Alarm
from chargeplane.domain.alarms.schemas import (
    AlarmAction,
    AlarmChangeRead,
    AlarmDetail,
    AlarmRead,
    AlarmRuleRead,
    AlarmRuleUpdate,
    Cause,
    Level,
)
from chargeplane.domain.identity.permissions import Action, Resource

router = APIRouter(tags=["alarms"])

Read = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.READ))]
Process = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.UPDATE))]
ReadRules = Annotated[Tenancy, Depends(permit(Resource.TENANT, Action.READ))]
ChangeRules = Annotated[Tenancy, Depends(permit(Resource.TENANT, Action.UPDATE))]


def _detail(uow: UnitOfWork, alarm: Alarm) -> AlarmDetail:
    return AlarmDetail(**AlarmRead.model_validate(alarm).model_dump(),
                       history=[AlarmChangeRead.model_validate(c) for c in service.history(uow, alarm.id)])


@router.get("/alarms", response_model=Page[AlarmRead], operation_id="list_alarms")
async def list_alarms(t: Read, status: str | None = None, level: Level | None = None, cause: Cause | None = None,
                      charge_point_id: uuid.UUID | None = None, limit: Limit = DEFAULT_LIMIT,
                      cursor: Cursor = None) -> dict[str, Any]:
    """`status`: open, acknowledged, resolved, or active (open or acknowledged)."""
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: [AlarmRead.model_validate(a) for a in service.list_alarms(
        uow, status=status, level=level, cause=cause, charge_point_id=charge_point_id, limit=limit, after=after)])
    return page(rows, rows, limit)


@router.get("/alarms/{alarm_id}", response_model=AlarmDetail, operation_id="get_alarm")
async def get_alarm(alarm_id: uuid.UUID, t: Read) -> AlarmDetail:
    return await t.read(lambda uow: _detail(uow, service.get_alarm(uow, alarm_id)))


@router.post("/alarms/{alarm_id}/acknowledge", response_model=AlarmDetail, operation_id="acknowledge_alarm")
async def acknowledge_alarm(alarm_id: uuid.UUID, t: Process, body: AlarmAction | None = None) -> AlarmDetail:
    """Someone is on it (409 unless the alarm is open)."""
    now, comment = t.services.clock.now(), body.comment if body else None
    return await t.write(lambda uow: _detail(uow, service.acknowledge(
        uow, alarm_id=alarm_id, actor=t.principal.label, comment=comment, now=now)))


@router.post("/alarms/{alarm_id}/resolve", response_model=AlarmDetail, operation_id="resolve_alarm")
async def resolve_alarm(alarm_id: uuid.UUID, t: Process, body: AlarmAction | None = None) -> AlarmDetail:
    """Done (409 when it is resolved already). A cause that returns raises a new alarm."""
    now, comment = t.services.clock.now(), body.comment if body else None
    return await t.write(lambda uow: _detail(uow, service.resolve(
        uow, alarm_id=alarm_id, actor=t.principal.label, comment=comment, now=now)))


@router.get("/alarm-rules", response_model=list[AlarmRuleRead], operation_id="list_alarm_rules")
async def list_rules(t: ReadRules) -> list[AlarmRuleRead]:
    def read(uow: UnitOfWork) -> list[AlarmRuleRead]:
        return [AlarmRuleRead(cause=cause, **_rule_fields(service.rule_for(uow, cause))) for cause in CAUSES]

    return await t.read(read)


@router.put("/alarm-rules/{cause}", response_model=AlarmRuleRead, operation_id="set_alarm_rule")
async def set_rule(cause: Cause, body: AlarmRuleUpdate, t: ChangeRules) -> AlarmRuleRead:
    changes = body.model_dump(exclude_unset=True)
    rule = await t.write(lambda uow: service.set_rule(uow, cause=cause, changes=changes))
    return AlarmRuleRead(cause=cause, **_rule_fields(rule))


def _rule_fields(rule: Rule) -> dict[str, Any]:
    return {"enabled": rule.enabled, "level": rule.level, "offline_after_seconds": rule.offline_after_seconds,
            "notify_emails": list(rule.notify_emails)}
