"""The fleet at a glance: chargers by state, power now, today's energy and sessions, and the chargers
that need attention (the portal's dashboard shows the same); one charger live; both also pushed as
server-sent events."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from chargeplane.api.auth import permit
from chargeplane.api.deps import Tenancy
from chargeplane.api.live import stream
from chargeplane.domain.assets.charger_live import ChargerLive, charger_live
from chargeplane.domain.assets.fleet import FleetStatus, fleet_status
from chargeplane.domain.identity.permissions import Action, Resource

router = APIRouter(tags=["fleet"])

ReadChargePoint = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.READ))]

_SSE: dict[int | str, dict[str, Any]] = {200: {
    "content": {"text/event-stream": {}},
    "description": "server-sent events: `event: status`, data the JSON the GET answers, sent whenever it changes",
}}


async def _status(t: Tenancy, site_id: uuid.UUID | None, account_id: uuid.UUID | None) -> FleetStatus:
    gateway, now = t.services.bus.gateway, t.services.clock.now()
    return await t.read(lambda uow: fleet_status(uow, connected=gateway.is_connected, now=now, site_id=site_id,
                                                 account_id=account_id))


async def _charger(t: Tenancy, charge_point_id: uuid.UUID) -> ChargerLive:
    gateway = t.services.bus.gateway
    return await t.read(lambda uow: charger_live(uow, charge_point_id=charge_point_id, connected=gateway.is_connected,
                                                 last_seen=gateway.last_seen(charge_point_id)))


@router.get("/fleet/status", response_model=FleetStatus, operation_id="get_fleet_status")
async def get_fleet_status(t: ReadChargePoint, site_id: uuid.UUID | None = None,
                           account_id: uuid.UUID | None = None) -> FleetStatus:
    """The chargers you may see, or those of one site and/or one account (with its sub-accounts).
    Offline means not connected now (a charger answering no ping is dropped: `CHARGEPLANE_OCPP_PING_*`);
    "today" begins at midnight in the tenant's time zone."""
    return await _status(t, site_id, account_id)


@router.get("/fleet/status/events", response_class=StreamingResponse, operation_id="stream_fleet_status",
            responses=_SSE)
async def stream_fleet_status(request: Request, t: ReadChargePoint, site_id: uuid.UUID | None = None,
                              account_id: uuid.UUID | None = None) -> StreamingResponse:
    """`GET /fleet/status` pushed: sent at once, then whenever a charger or session event changes it
    (and checked at least every few seconds, as power and energy move without events)."""
    await _status(t, site_id, account_id)  # a bad filter is refused now, not inside the stream
    return stream(request, t.scope.tenant_id,  # type: ignore[arg-type]
                  lambda: _json(_status(t, site_id, account_id)), event="status")


@router.get("/charge-points/{charge_point_id}/live", response_model=ChargerLive, operation_id="get_charger_live")
async def get_charger_live(charge_point_id: uuid.UUID, t: ReadChargePoint) -> ChargerLive:
    """The charger now: its state, connectors, running sessions with energy and power, latest messages."""
    return await _charger(t, charge_point_id)


@router.get("/charge-points/{charge_point_id}/live/events", response_class=StreamingResponse,
            operation_id="stream_charger_live", responses=_SSE)
async def stream_charger_live(request: Request, charge_point_id: uuid.UUID, t: ReadChargePoint) -> StreamingResponse:
    """`GET /charge-points/{id}/live` pushed whenever it changes."""
    await _charger(t, charge_point_id)  # 404 for a charger the caller cannot see, before streaming
    return stream(request, t.scope.tenant_id,  # type: ignore[arg-type]
                  lambda: _json(_charger(t, charge_point_id)), event="status")


async def _json(view: Any) -> str:
    return str((await view).model_dump_json())
