"""The fleet at a glance: chargers by state, power now, today's energy and sessions, and the chargers
that need attention (the portal's dashboard shows the same)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from chargeplane.api.auth import permit
from chargeplane.api.deps import Tenancy
from chargeplane.domain.assets.fleet import FleetStatus, fleet_status
from chargeplane.domain.identity.permissions import Action, Resource

router = APIRouter(prefix="/fleet", tags=["fleet"])

ReadChargePoint = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.READ))]


@router.get("/status", response_model=FleetStatus, operation_id="get_fleet_status")
async def get_fleet_status(t: ReadChargePoint, site_id: uuid.UUID | None = None,
                           account_id: uuid.UUID | None = None) -> FleetStatus:
    """The chargers you may see, or those of one site and/or one account (with its sub-accounts).
    Offline means not connected now; "today" begins at midnight in the tenant's time zone."""
    gateway, now = t.services.bus.gateway, t.services.clock.now()
    return await t.read(lambda uow: fleet_status(uow, connected=gateway.is_connected, now=now, site_id=site_id,
                                                 account_id=account_id))
