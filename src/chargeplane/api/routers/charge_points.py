from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from chargeplane.api import charge_point_flows as flows
from chargeplane.api.auth import permit
from chargeplane.api.charge_point_flows import OcppMessageRead
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.domain.assets import management, service
from chargeplane.domain.assets.models import ChargePoint
from chargeplane.domain.assets.schemas import (
    ChargePointCreate,
    ChargePointCreated,
    ChargePointRead,
    ChargePointUpdate,
    RegistrationStatus,
)
from chargeplane.domain.identity.permissions import Action, Resource

router = APIRouter(prefix="/charge-points", tags=["charge points"])

CreateChargePoint = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.CREATE))]
DeleteChargePoint = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.DELETE))]
ReadChargePoint = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.READ))]
UpdateChargePoint = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.UPDATE))]


def _as_read(cp: ChargePoint) -> ChargePointRead:
    return ChargePointRead.model_validate(cp)


@router.post("", response_model=ChargePointCreated, status_code=201, operation_id="create_charge_point")
async def create_charge_point(body: ChargePointCreate, t: CreateChargePoint, response: Response) -> ChargePointCreated:
    created = await flows.register_charge_point(t, body)
    response.headers["Location"] = f"/api/v1/charge-points/{created.id}"
    return created


@router.get("", response_model=Page[ChargePointRead], operation_id="list_charge_points")
async def list_charge_points(
    t: ReadChargePoint,
    site_id: uuid.UUID | None = None,
    registration_status: RegistrationStatus | None = None,
    identity: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    where = service.ChargePointFilter(site_id=site_id, registration_status=registration_status, identity=identity)
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: [_as_read(cp) for cp in
                                     service.list_charge_points(uow, where=where, limit=limit, after=after)])
    gateway = t.services.bus.gateway
    return page([flows.live(cp, gateway) for cp in rows], rows, limit)


@router.get("/{charge_point_id}", response_model=ChargePointRead, operation_id="get_charge_point")
async def get_charge_point(charge_point_id: uuid.UUID, t: ReadChargePoint) -> ChargePointRead:
    return await flows.get_charge_point(t, charge_point_id)


@router.patch("/{charge_point_id}", response_model=ChargePointRead, operation_id="update_charge_point")
async def update_charge_point(
    charge_point_id: uuid.UUID, body: ChargePointUpdate, t: UpdateChargePoint
) -> ChargePointRead:
    """Name, site, registration, password, owner (`account_id`) and visibility (`community`, `public`)."""
    return await flows.update_charge_point(t, charge_point_id, body.model_dump(exclude_unset=True))


@router.post("/{charge_point_id}/accept", response_model=ChargePointRead, operation_id="accept_charge_point")
async def accept_charge_point(charge_point_id: uuid.UUID, t: UpdateChargePoint) -> ChargePointRead:
    return await flows.update_charge_point(t, charge_point_id, {"registration_status": "accepted"})


@router.delete("/{charge_point_id}", status_code=204, operation_id="delete_charge_point")
async def delete_charge_point(charge_point_id: uuid.UUID, t: DeleteChargePoint) -> Response:
    now = t.services.clock.now()
    await t.write(lambda uow: management.delete_charge_point(uow, charge_point_id, actor=t.principal, now=now))
    return Response(status_code=204)


@router.get("/{charge_point_id}/messages", response_model=list[OcppMessageRead],
            operation_id="list_charge_point_messages")
async def list_messages(charge_point_id: uuid.UUID, t: ReadChargePoint,
                        limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[OcppMessageRead]:
    """The latest OCPP exchanges with this charger, newest first, as they were on the wire."""
    return await flows.recent_messages(t, charge_point_id, limit=limit)
