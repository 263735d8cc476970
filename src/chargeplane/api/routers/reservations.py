"""Reservations: hold a connector for a card until a time (ReserveNow), withdraw it
(CancelReservation); the StartTransaction that names it uses it up."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.api.problems import Problem
from chargeplane.bus.errors import ChargerCallFailed
from chargeplane.domain.assets.commands import record_command
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.reservations import service
from chargeplane.domain.reservations.schemas import ReservationCreate, ReservationRead

router = APIRouter(tags=["reservations"])

Command = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.COMMAND))]
Read = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.READ))]

_CHARGER_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "the charger is not connected, or the connector is reserved already"},
    422: {"model": Problem, "description": "an unknown card or connector, or a time not within 24 hours"},
    504: {"model": Problem, "description": "the charger did not answer in time"},
}


async def reserve(t: Tenancy, *, charge_point_id: uuid.UUID, body: ReservationCreate) -> ReservationRead:
    """Record the reservation, send ReserveNow, record the charger's answer (or why there was none)."""
    now = t.services.clock.now()

    def request(uow: Any) -> tuple[uuid.UUID, dict[str, Any]]:
        row = service.request_reservation(uow, charge_point_id=charge_point_id, connector_id=body.connector_id,
                                          id_tag=body.id_tag, expires_at=body.expires_at, actor=t.principal, now=now)
        payload = {"connectorId": row.connector_id, "expiryDate": body.expires_at.astimezone(UTC).isoformat(),
                   "idTag": row.id_tag, "reservationId": row.reservation_id}
        if row.parent_id_tag:
            payload["parentIdTag"] = row.parent_id_tag
        record_command(uow, charge_point_id=charge_point_id, command="reserve-now", payload=payload,
                       actor=t.principal, now=now)
        return row.id, payload

    row_id, payload = await t.write(request)
    try:
        answer = await t.services.bus.gateway.call(charge_point_id, "ReserveNow", payload)
    except ChargerCallFailed as exc:
        failure = f"{type(exc).__name__}: {exc}"
        await t.write(lambda uow: service.record_answer(uow, reservation_id=row_id, charger_status=None,
                                                        failure=failure, now=t.services.clock.now()))
        raise
    return await t.write(lambda uow: service.to_read(service.record_answer(
        uow, reservation_id=row_id, charger_status=str(answer.get("status")), failure=None,
        now=t.services.clock.now()), now))


async def cancel(t: Tenancy, *, reservation_id: uuid.UUID) -> ReservationRead:
    now = t.services.clock.now()

    def check(uow: Any) -> tuple[uuid.UUID, dict[str, Any]]:
        row = service.cancellable(uow, reservation_id=reservation_id, now=now)
        payload = {"reservationId": row.reservation_id}
        record_command(uow, charge_point_id=row.charge_point_id, command="cancel-reservation", payload=payload,
                       actor=t.principal, now=now)
        return row.charge_point_id, payload

    charge_point_id, payload = await t.write(check)
    answer = await t.services.bus.gateway.call(charge_point_id, "CancelReservation", payload)
    return await t.write(lambda uow: service.to_read(service.record_cancellation(
        uow, reservation_id=reservation_id, charger_status=str(answer.get("status")), actor=t.principal, now=now),
        now))


@router.post("/charge-points/{charge_point_id}/reservations", response_model=ReservationRead, status_code=201,
             operation_id="reserve_connector", responses=_CHARGER_ERRORS)
async def create_reservation(charge_point_id: uuid.UUID, body: ReservationCreate, t: Command,
                             response: Response) -> ReservationRead:
    """Reserve a connector (0: any) of a connected charger for a card. 201 with the charger's answer in
    `status` (accepted, or refused with `charger_status` Occupied/Faulted/Unavailable/Rejected)."""
    created = await reserve(t, charge_point_id=charge_point_id, body=body)
    response.headers["Location"] = f"/api/v1/reservations/{created.id}"
    return created


@router.get("/reservations", response_model=Page[ReservationRead], operation_id="list_reservations")
async def list_reservations(t: Read, charge_point_id: uuid.UUID | None = None, limit: Limit = DEFAULT_LIMIT,
                            cursor: Cursor = None) -> dict[str, Any]:
    now, after = t.services.clock.now(), decode_cursor(cursor)
    rows = await t.read(lambda uow: [service.to_read(row, now) for row in service.list_reservations(
        uow, charge_point_id=charge_point_id, limit=limit, after=after)])
    return page(rows, rows, limit)


@router.get("/reservations/{reservation_id}", response_model=ReservationRead, operation_id="get_reservation")
async def get_reservation(reservation_id: uuid.UUID, t: Read) -> ReservationRead:
    now = t.services.clock.now()
    return await t.read(lambda uow: service.to_read(service.get_reservation(uow, reservation_id), now))


@router.delete("/reservations/{reservation_id}", response_model=ReservationRead, operation_id="cancel_reservation",
               responses=_CHARGER_ERRORS)
async def cancel_reservation(reservation_id: uuid.UUID, t: Command) -> ReservationRead:
    """Send CancelReservation; the reservation ends as cancelled when the charger accepts (409 if it refuses)."""
    return await cancel(t, reservation_id=reservation_id)
