"""Commands to a connected charger: the OCPP action in kebab case, the body its request payload."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query

from chargeplane.api import charge_point_flows as flows
from chargeplane.api.auth import permit
from chargeplane.api.deps import Tenancy
from chargeplane.api.problems import ApiError, Problem
from chargeplane.domain.identity.permissions import Action, Resource

router = APIRouter(prefix="/charge-points", tags=["commands"])

CommandChargePoint = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.COMMAND))]

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
) -> dict[str, Any]:
    """Send the command and return the charger's reply payload. Every command is audited before it is
    sent (`command.<action>`, with the payload, secrets redacted), whether the charger answers or not."""
    return await flows.send_command(t, charge_point_id, command=action, action=action_from_kebab(action),
                                    payload=payload or {}, timeout=timeout)
