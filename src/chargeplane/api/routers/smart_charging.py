"""Smart charging: a site's grid limit and schedule (load balancing), its load now, a charger's part
in it, what a charger will draw (GetCompositeSchedule), and a session's energy or charge target."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from chargeplane.api.auth import permit
from chargeplane.api.deps import Tenancy
from chargeplane.api.problems import Problem
from chargeplane.domain.assets.service import get_charge_point
from chargeplane.domain.errors import NotFound
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.smartcharging import settings
from chargeplane.domain.smartcharging.load import site_load
from chargeplane.domain.smartcharging.schemas import (
    ChargerSettingsRead,
    ChargerSettingsSet,
    ChargingTargetRead,
    ChargingTargetSet,
    SiteLimitRead,
    SiteLimitSet,
    SiteLoadRead,
)

router = APIRouter(tags=["smart charging"])

ReadSite = Annotated[Tenancy, Depends(permit(Resource.SITE, Action.READ))]
UpdateSite = Annotated[Tenancy, Depends(permit(Resource.SITE, Action.UPDATE))]
ReadCharger = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.READ))]
UpdateCharger = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.UPDATE))]
CommandCharger = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.COMMAND))]
ReadSession = Annotated[Tenancy, Depends(permit(Resource.SESSION, Action.READ))]

_NOT_SET: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "no such site, or it has no charging limit"}}


@router.get("/sites/{site_id}/charging-limit", response_model=SiteLimitRead, operation_id="get_site_charging_limit",
            responses=_NOT_SET)
async def get_site_charging_limit(site_id: uuid.UUID, t: ReadSite) -> SiteLimitRead:
    found = await t.read(lambda uow: settings.get_site_limit(uow, site_id=site_id))
    if found is None:
        raise NotFound("this site has no charging limit")
    return found


@router.put("/sites/{site_id}/charging-limit", response_model=SiteLimitRead, operation_id="set_site_charging_limit")
async def set_site_charging_limit(site_id: uuid.UUID, body: SiteLimitSet, t: UpdateSite) -> SiteLimitRead:
    """Set the site's grid connection limit (amperes per phase, or kW) and the hours it is lower. With
    `enabled`, the running sessions share it at once (charging profiles to its chargers); turning it
    off clears those profiles."""
    now = t.services.clock.now()
    return await t.write(lambda uow: settings.set_site_limit(uow, site_id=site_id, body=body, actor=t.principal,
                                                             now=now))


@router.delete("/sites/{site_id}/charging-limit", status_code=204, operation_id="remove_site_charging_limit",
               responses=_NOT_SET)
async def remove_site_charging_limit(site_id: uuid.UUID, t: UpdateSite) -> Response:
    now = t.services.clock.now()
    await t.write(lambda uow: settings.remove_site_limit(uow, site_id=site_id, actor=t.principal, now=now))
    return Response(status_code=204)


@router.get("/sites/{site_id}/load", response_model=SiteLoadRead, operation_id="get_site_load", responses=_NOT_SET)
async def get_site_load(site_id: uuid.UUID, t: ReadSite) -> SiteLoadRead:
    """The limit in force now, what each charger is counted for (its cap, or all it may draw when it is
    offline or refuses profiles), and each running session's share with the charger's answer."""
    now, connected = t.services.clock.now(), t.services.bus.gateway.is_connected
    return await t.read(lambda uow: site_load(uow, site_id=site_id, now=now, connected=connected))


@router.get("/charge-points/{charge_point_id}/charging-settings", response_model=ChargerSettingsRead,
            operation_id="get_charger_charging_settings")
async def get_charger_charging_settings(charge_point_id: uuid.UUID, t: ReadCharger) -> ChargerSettingsRead:
    return await t.read(lambda uow: settings.get_charger_settings(uow, charge_point_id=charge_point_id))


@router.patch("/charge-points/{charge_point_id}/charging-settings", response_model=ChargerSettingsRead,
              operation_id="update_charger_charging_settings")
async def update_charger_charging_settings(charge_point_id: uuid.UUID, body: ChargerSettingsSet,
                                           t: UpdateCharger) -> ChargerSettingsRead:
    """Its minimum and maximum current, phases and priority in its site's load balancing."""
    now = t.services.clock.now()
    return await t.write(lambda uow: settings.set_charger_settings(
        uow, charge_point_id=charge_point_id, body=body, actor=t.principal, now=now))


@router.get("/charge-points/{charge_point_id}/composite-schedule", response_model=dict[str, Any],
            operation_id="get_composite_schedule",
            responses={409: {"model": Problem, "description": "the charger is not connected"},
                       504: {"model": Problem, "description": "the charger did not answer in time"}})
async def get_composite_schedule(
    charge_point_id: uuid.UUID, t: ReadCharger,
    connector_id: Annotated[int, Query(ge=0, description="0: the whole charger")] = 0,
    duration: Annotated[int, Query(gt=0, le=7 * 86400, description="seconds from now")] = 3600,
    unit: Annotated[Literal["A", "W"] | None, Query(description="the charger's choice when left out")] = None,
) -> dict[str, Any]:
    """Ask the charger what it will draw (OCPP GetCompositeSchedule): every profile it holds, combined."""
    await t.read(lambda uow: get_charge_point(uow, charge_point_id))
    payload: dict[str, Any] = {"connectorId": connector_id, "duration": duration}
    if unit is not None:
        payload["chargingRateUnit"] = unit
    return await t.services.bus.gateway.call(charge_point_id, "GetCompositeSchedule", payload)


@router.get("/sessions/{session_id}/charging-target", response_model=ChargingTargetRead,
            operation_id="get_charging_target",
            responses={404: {"model": Problem, "description": "no such session, or no target set"}})
async def get_charging_target(session_id: uuid.UUID, t: ReadSession) -> ChargingTargetRead:
    found = await t.read(lambda uow: settings.get_target(uow, session_id=session_id))
    if found is None:
        raise NotFound("this session has no charging target")
    return found


@router.put("/sessions/{session_id}/charging-target", response_model=ChargingTargetRead,
            operation_id="set_charging_target",
            responses={409: {"model": Problem, "description": "the session has ended"}})
async def set_charging_target(session_id: uuid.UUID, body: ChargingTargetSet, t: CommandCharger) -> ChargingTargetRead:
    """Stop drawing after `energy_wh`, or at `soc_percent` when the charger reports the car's state of
    charge: the session is then held at 0 A (a charging profile), or stopped if the charger refuses it."""
    now = t.services.clock.now()
    return await t.write(lambda uow: settings.set_target(uow, session_id=session_id, body=body, actor=t.principal,
                                                         now=now))


@router.delete("/sessions/{session_id}/charging-target", status_code=204, operation_id="remove_charging_target")
async def remove_charging_target(session_id: uuid.UUID, t: CommandCharger) -> Response:
    now = t.services.clock.now()
    await t.write(lambda uow: settings.remove_target(uow, session_id=session_id, actor=t.principal, now=now))
    return Response(status_code=204)
