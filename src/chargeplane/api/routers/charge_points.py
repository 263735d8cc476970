from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.bus import ChargerGateway
from chargeplane.domain.assets import management, service
from chargeplane.domain.assets.credentials import check_password, generate_password
from chargeplane.domain.assets.models import ChargePoint
from chargeplane.domain.assets.schemas import (
    ChargePointCreate,
    ChargePointCreated,
    ChargePointRead,
    ChargePointUpdate,
    RegistrationStatus,
)
from chargeplane.domain.chargerlog.service import recent_exchanges
from chargeplane.domain.identity.permissions import Action, Resource

router = APIRouter(prefix="/charge-points", tags=["charge points"])

CreateChargePoint = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.CREATE))]
DeleteChargePoint = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.DELETE))]
ReadChargePoint = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.READ))]
UpdateChargePoint = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.UPDATE))]


def _as_read(cp: ChargePoint) -> ChargePointRead:
    return ChargePointRead.model_validate(cp)


def _live(read: ChargePointRead, gateway: ChargerGateway) -> ChargePointRead:
    """The stored charger plus what only the live connection knows."""
    read.connected = gateway.is_connected(read.id)
    live = gateway.last_seen(read.id)
    if live is not None and (read.last_seen_at is None or live > read.last_seen_at):
        read.last_seen_at = live
    return read


@router.post("", response_model=ChargePointCreated, status_code=201, operation_id="create_charge_point")
async def create_charge_point(body: ChargePointCreate, t: CreateChargePoint, response: Response) -> ChargePointCreated:
    generated = body.password is None
    password = generate_password() if generated else check_password(body.password or "")
    # Argon2 is slow on purpose: hash off the event loop, and outside the unit of work.
    password_hash = await asyncio.to_thread(t.services.hashing.hash, password)
    fields, now = body.model_dump(exclude={"password"}), t.services.clock.now()
    created = await t.write(lambda uow: ChargePointCreated.model_validate(management.register_charge_point(
        uow, fields=fields, password_hash=password_hash, actor=t.principal, now=now)))
    response.headers["Location"] = f"/api/v1/charge-points/{created.id}"
    created.password = password if generated else None
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
    return page([_live(cp, gateway) for cp in rows], rows, limit)


@router.get("/{charge_point_id}", response_model=ChargePointRead, operation_id="get_charge_point")
async def get_charge_point(charge_point_id: uuid.UUID, t: ReadChargePoint) -> ChargePointRead:
    cp = await t.read(lambda uow: _as_read(service.get_charge_point(uow, charge_point_id)))
    return _live(cp, t.services.bus.gateway)


@router.patch("/{charge_point_id}", response_model=ChargePointRead, operation_id="update_charge_point")
async def update_charge_point(
    charge_point_id: uuid.UUID, body: ChargePointUpdate, t: UpdateChargePoint
) -> ChargePointRead:
    """Name, site, registration, password, owner (`account_id`) and visibility (`community`, `public`)."""
    changes, now = body.model_dump(exclude_unset=True), t.services.clock.now()
    if "password" in changes:
        password = check_password(changes.pop("password") or "")
        changes["password_hash"] = await asyncio.to_thread(t.services.hashing.hash, password)

    def unit(uow: Any) -> ChargePointRead:
        management.update_charge_point(uow, charge_point_id, changes=changes, actor=t.principal, now=now)
        return _as_read(service.get_charge_point(uow, charge_point_id))

    return _live(await t.write(unit), t.services.bus.gateway)


@router.post("/{charge_point_id}/accept", response_model=ChargePointRead, operation_id="accept_charge_point")
async def accept_charge_point(charge_point_id: uuid.UUID, t: UpdateChargePoint) -> ChargePointRead:
    now = t.services.clock.now()

    def unit(uow: Any) -> ChargePointRead:
        management.update_charge_point(uow, charge_point_id, changes={"registration_status": "accepted"},
                                       actor=t.principal, now=now)
        return _as_read(service.get_charge_point(uow, charge_point_id))

    return _live(await t.write(unit), t.services.bus.gateway)


@router.delete("/{charge_point_id}", status_code=204, operation_id="delete_charge_point")
async def delete_charge_point(charge_point_id: uuid.UUID, t: DeleteChargePoint) -> Response:
    now = t.services.clock.now()
    await t.write(lambda uow: management.delete_charge_point(uow, charge_point_id, actor=t.principal, now=now))
    return Response(status_code=204)


class OcppMessageRead(BaseModel):
    direction: str
    unique_id: str
    action: str
    request: str
    response: str | None
    outcome: str
    created_at: datetime
    answered_at: datetime | None


@router.get("/{charge_point_id}/messages", response_model=list[OcppMessageRead],
            operation_id="list_charge_point_messages")
async def list_messages(charge_point_id: uuid.UUID, t: ReadChargePoint,
                        limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[OcppMessageRead]:
    """The latest OCPP exchanges with this charger, newest first, as they were on the wire."""
    def unit(uow: Any) -> list[OcppMessageRead]:
        service.get_charge_point(uow, charge_point_id)
        return [OcppMessageRead.model_validate(m, from_attributes=True)
                for m in recent_exchanges(uow, charge_point_id=charge_point_id, limit=limit)]

    return await t.read(unit)
