"""Commands to a charger: the OCPP action in kebab case, the body its request payload; sent now, or,
for a charger that is offline, refused or queued until it reconnects, as the caller chooses."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query
from fastapi.responses import JSONResponse

from chargeplane.api import charge_point_flows as flows
from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.api.problems import ApiError, Problem
from chargeplane.domain.assets import command_queue, configuration
from chargeplane.domain.assets.command_queue import QueuedCommandRead
from chargeplane.domain.assets.configuration import ChangeRead, SettingRead
from chargeplane.domain.identity.permissions import Action, Resource

router = APIRouter(prefix="/charge-points", tags=["commands"])

CommandChargePoint = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.COMMAND))]
ReadChargePoint = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.READ))]

_KEBAB = re.compile(r"^[a-z]+(?:-[a-z]+)*$")


def action_from_kebab(kebab: str) -> str:
    if not _KEBAB.match(kebab):
        raise ApiError(404, "unknown-command", f"{kebab!r} is not an OCPP action in kebab case")
    return "".join(part.capitalize() for part in kebab.split("-"))


@router.post(
    "/{charge_point_id}/commands/{action}",
    response_model=dict[str, Any],
    operation_id="send_command",
    responses={
        404: {"model": Problem, "description": "no such charge point or action"},
        202: {"model": QueuedCommandRead, "description": "queued for a charger that is offline (when_offline=queue)"},
        409: {"model": Problem, "description": "the charger is not connected, rejected, or busy"},
        422: {"model": Problem, "description": "the payload does not fit the action's schema"},
        502: {"model": Problem, "description": "the charger answered with a CALLERROR or an invalid reply"},
        504: {"model": Problem, "description": "the charger did not answer in time"},
    },
)
async def send_command(
    charge_point_id: uuid.UUID,
    action: Annotated[str, Path(description="e.g. remote-start-transaction, reset, change-configuration")],
    t: CommandChargePoint,
    payload: Annotated[dict[str, Any] | None, Body(description="the OCPP request payload of the action")] = None,
    timeout: Annotated[float | None, Query(gt=0, le=300, description="seconds to wait for the answer")] = None,
    when_offline: Annotated[Literal["refuse", "queue"], Query(
        description="refuse (409 at once) or queue: kept until the charger reconnects (202)")] = "refuse",
    expires_in: Annotated[int, Query(ge=1, le=7 * 24 * 3600,
                                     description="seconds a queued command waits before it expires")] = 3600,
) -> Any:
    """Send the command and return the charger's reply payload. Every command is audited before it is
    sent (`command.<action>`, with the payload, secrets redacted), whether the charger answers or not.

    With `when_offline=queue`, a command for a charger that is not connected is kept (checked against
    the action's schema now) and sent when it reconnects, in order, unless `expires_in` passes first:
    202 with the queued command; follow it at `/api/v1/queued-commands/{id}`."""
    ocpp_action = action_from_kebab(action)
    if when_offline == "queue" and not t.services.bus.gateway.is_connected(charge_point_id):
        queued = await flows.queue_command(t, charge_point_id, command=action, action=ocpp_action,
                                           payload=payload or {}, expires_in=timedelta(seconds=expires_in))
        return JSONResponse(queued.model_dump(mode="json"), status_code=202,
                            headers={"Location": f"/api/v1/queued-commands/{queued.id}"})
    return await flows.send_command(t, charge_point_id, command=action, action=ocpp_action,
                                    payload=payload or {}, timeout=timeout)


@router.get("/{charge_point_id}/queued-commands", response_model=Page[QueuedCommandRead],
            operation_id="list_queued_commands")
async def list_queued(charge_point_id: uuid.UUID, t: ReadChargePoint, limit: Limit = DEFAULT_LIMIT,
                      cursor: Cursor = None) -> dict[str, Any]:
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: [QueuedCommandRead.model_validate(row) for row in command_queue.list_queued(
        uow, charge_point_id=charge_point_id, limit=limit, after=after)])
    return page(rows, rows, limit)


queued_router = APIRouter(prefix="/queued-commands", tags=["commands"])


@queued_router.get("/{command_id}", response_model=QueuedCommandRead, operation_id="get_queued_command")
async def get_queued(command_id: uuid.UUID, t: ReadChargePoint) -> QueuedCommandRead:
    return await t.read(lambda uow: QueuedCommandRead.model_validate(command_queue.get_queued(uow, command_id)))


@queued_router.delete("/{command_id}", response_model=QueuedCommandRead, operation_id="cancel_queued_command")
async def cancel_queued(command_id: uuid.UUID, t: CommandChargePoint) -> QueuedCommandRead:
    """Withdraw a command that is still waiting (409 once it was sent, expired or cancelled)."""
    now = t.services.clock.now()
    return await t.write(lambda uow: QueuedCommandRead.model_validate(command_queue.cancel(
        uow, command_id=command_id, now=now)))


@router.get("/{charge_point_id}/configuration", response_model=list[SettingRead],
            operation_id="get_charger_configuration")
async def configuration_kept(charge_point_id: uuid.UUID, t: ReadChargePoint) -> list[SettingRead]:
    """The configuration as the charger last reported it (send `get-configuration` to refresh it);
    secret values redacted."""
    return await t.read(lambda uow: [SettingRead.model_validate(s) for s in configuration.settings_of(
        uow, charge_point_id)])


@router.get("/{charge_point_id}/configuration/changes", response_model=Page[ChangeRead],
            operation_id="list_configuration_changes")
async def configuration_changes(charge_point_id: uuid.UUID, t: ReadChargePoint, limit: Limit = DEFAULT_LIMIT,
                                cursor: Cursor = None) -> dict[str, Any]:
    """Every `change-configuration` sent, newest first, with the charger's answer or why none came."""
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: [ChangeRead.model_validate(c) for c in configuration.changes_of(
        uow, charge_point_id, limit=limit, after=after)])
    return page(rows, rows, limit)
