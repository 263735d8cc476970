"""The driver app: my chargers (with live status), my cards, start and stop, my sessions.

For users only (any role, for their own data); API keys are refused. These routes run with the whole
tenant's scope, not the caller's accounts: a driver's chargers cross account borders by design (a
public charger, a neighbour's shared one, the community chargers of their company's tree), so the
domain functions in `domain.access.driver` and `domain.access.visibility` select by the user instead.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from chargeplane.api import driver_flows
from chargeplane.api.auth import PrincipalDep
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, ServicesDep, Tenancy
from chargeplane.api.driver_flows import driver_tenancy_of, user_of
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.api.problems import ApiError, Problem
from chargeplane.db import UnitOfWork
from chargeplane.domain.access import driver
from chargeplane.domain.access.schemas import (
    DriverCard,
    DriverCardCreate,
    DriverCardUpdate,
    DriverChargePoint,
    DriverCommandResult,
    DriverSession,
    DriverStart,
)
from chargeplane.domain.errors import NotFound
from chargeplane.domain.pricing.cdr_schemas import DriverSessionWithCost, SessionCost
from chargeplane.domain.pricing.live import session_cost
from chargeplane.domain.pricing.preview import preview_price
from chargeplane.domain.pricing.schemas import PricePreview
from chargeplane.domain.smartcharging import settings as smart_settings
from chargeplane.domain.smartcharging.schemas import ChargingTargetRead, ChargingTargetSet
from chargeplane.domain.tenancy.schemas import AccountRead

router = APIRouter(prefix="/me", tags=["driver app"])

_COMMAND_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "no such charge point or session of yours"},
    409: {"model": Problem, "description": "no usable card, or the charger is not connected or busy"},
    502: {"model": Problem, "description": "the charger answered with an error"},
    504: {"model": Problem, "description": "the charger did not answer in time"},
}


async def driver_tenancy(services: ServicesDep, principal: PrincipalDep) -> Tenancy:
    if principal.kind != "user":
        raise ApiError(403, "forbidden", "the driver app API is for users; API keys have the operator API")
    return driver_tenancy_of(services, principal)


Driver = Annotated[Tenancy, Depends(driver_tenancy)]


@router.get("/charge-points", response_model=Page[DriverChargePoint], operation_id="list_my_charge_points")
async def list_my_charge_points(t: Driver, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    """The chargers I may use: my accounts' own, those shared with me, my company tree's community
    chargers and public ones; each says why (`visibility`) and whether it is connected now."""
    rows = await driver_flows.my_charge_points(t, limit=limit, after=decode_cursor(cursor))
    return page(rows, rows, limit)


@router.get("/charge-points/{charge_point_id}", response_model=DriverChargePoint,
            operation_id="get_my_charge_point")
async def get_my_charge_point(charge_point_id: uuid.UUID, t: Driver) -> DriverChargePoint:
    return await driver_flows.my_charge_point(t, charge_point_id)


@router.get("/charge-points/{charge_point_id}/price", response_model=PricePreview, operation_id="preview_my_price")
async def preview_my_price(charge_point_id: uuid.UUID, t: Driver, card_id: uuid.UUID | None = None) -> PricePreview:
    """The tariff that would apply to me here now (with `card_id`, else my first usable card), in numbers
    (OCPI elements) and words, with my discount and why this tariff."""
    now = t.services.clock.now()
    return await t.read(lambda uow: preview_price(uow, user_id=user_of(t), charge_point_id=charge_point_id,
                                                  card_id=card_id, at=now))


@router.post("/charge-points/{charge_point_id}/start", response_model=DriverCommandResult,
             operation_id="start_my_charging", responses=_COMMAND_ERRORS)
async def start_charging(charge_point_id: uuid.UUID, t: Driver, body: DriverStart | None = None
                         ) -> DriverCommandResult:
    """Remote start with my card (by default my first card that can charge here); a virtual card is let
    through at this charger for a few minutes. Answers what the charger said: Accepted or Rejected."""
    body = body or DriverStart()
    return await driver_flows.start_charging(t, charge_point_id=charge_point_id, connector_id=body.connector_id,
                                             card_id=body.card_id)


@router.post("/sessions/{session_id}/stop", response_model=DriverCommandResult, operation_id="stop_my_charging",
             responses=_COMMAND_ERRORS)
async def stop_charging(session_id: uuid.UUID, t: Driver) -> DriverCommandResult:
    """Remote stop of one of my running sessions."""
    return await driver_flows.stop_charging(t, session_id=session_id)


@router.post("/personal-account", response_model=AccountRead, operation_id="open_my_personal_account",
             responses={201: {"model": AccountRead, "description": "opened now"}})
async def open_my_personal_account(t: Driver, response: Response) -> AccountRead:
    """My own account (kind consumer, named after me, with me as its account admin), to register and
    manage my own charger in. Opened once: asking again answers the same account (200 instead of 201)."""
    account, opened = await driver_flows.open_my_account(t)
    response.status_code = 201 if opened else 200
    response.headers["Location"] = f"/api/v1/accounts/{account.id}"
    return account


@router.get("/cards", response_model=list[DriverCard], operation_id="list_my_cards")
async def list_my_cards(t: Driver) -> list[DriverCard]:
    return await t.read(lambda uow: [DriverCard.model_validate(c) for c in driver.my_cards(uow, user_id=user_of(t))])


@router.post("/cards", response_model=DriverCard, status_code=201, operation_id="add_my_card",
             responses={409: {"model": Problem, "description": "a card with this uid exists"}})
async def add_my_card(body: DriverCardCreate, t: Driver, response: Response) -> DriverCard:
    """Add my physical card by its uid, or create a virtual card for starting from the app."""
    now = t.services.clock.now()
    card = await t.write(lambda uow: DriverCard.model_validate(
        driver.add_my_card(uow, actor=t.principal, **body.model_dump(), now=now)))
    response.headers["Location"] = f"/api/v1/me/cards/{card.id}"
    return card


@router.patch("/cards/{card_id}", response_model=DriverCard, operation_id="update_my_card")
async def update_my_card(card_id: uuid.UUID, body: DriverCardUpdate, t: Driver) -> DriverCard:
    """Relabel or block my card."""
    changes = body.model_dump(exclude_unset=True)
    now = t.services.clock.now()
    return await t.write(lambda uow: DriverCard.model_validate(
        driver.update_my_card(uow, actor=t.principal, card_id=card_id, changes=changes, now=now)))


@router.get("/sessions", response_model=Page[DriverSession], operation_id="list_my_sessions")
async def list_my_sessions(t: Driver, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    """Sessions started with my cards, newest first, with their energy (so far, for running ones)."""
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: driver.my_sessions(uow, user_id=user_of(t), limit=limit, after=after))
    return page(rows, rows, limit)


@router.get("/sessions/{session_id}", response_model=DriverSessionWithCost, operation_id="get_my_session")
async def get_my_session(session_id: uuid.UUID, t: Driver) -> DriverSessionWithCost:
    """With its cost: running (so far) or final (its charge detail record)."""
    now = t.services.clock.now()
    return await t.read(lambda uow: driver_flows.session_with_cost(uow, user_id=user_of(t), session_id=session_id,
                                                                   now=now))


@router.get("/sessions/{session_id}/cost", response_model=SessionCost, operation_id="get_my_session_cost",
            responses={404: {"model": Problem, "description": "no such session of mine, or no price for it"}})
async def get_my_session_cost(session_id: uuid.UUID, t: Driver) -> SessionCost:
    """What my session costs so far (running) or in the end (final); 404 when no price applies to it."""
    now = t.services.clock.now()

    def unit(uow: UnitOfWork) -> SessionCost:
        cost = session_cost(uow, driver.my_session(uow, user_id=user_of(t), session_id=session_id), now=now)
        if cost is None:
            raise NotFound("no price applies to this session", session_id=str(session_id))
        return cost

    return await t.read(unit)


@router.put("/sessions/{session_id}/charging-target", response_model=ChargingTargetRead,
            operation_id="set_my_charging_target",
            responses={404: {"model": Problem, "description": "no such session of mine"},
                       409: {"model": Problem, "description": "the session has ended"}})
async def set_my_charging_target(session_id: uuid.UUID, body: ChargingTargetSet, t: Driver) -> ChargingTargetRead:
    """Stop drawing after so much energy, or at a state of charge if the charger reports it."""
    now = t.services.clock.now()

    def unit(uow: UnitOfWork) -> ChargingTargetRead:
        driver.my_session(uow, user_id=user_of(t), session_id=session_id)
        return smart_settings.set_target(uow, session_id=session_id, body=body, actor=t.principal, now=now)

    return await t.write(unit)


@router.delete("/sessions/{session_id}/charging-target", status_code=204, operation_id="remove_my_charging_target")
async def remove_my_charging_target(session_id: uuid.UUID, t: Driver) -> Response:
    now = t.services.clock.now()

    def unit(uow: UnitOfWork) -> None:
        driver.my_session(uow, user_id=user_of(t), session_id=session_id)
        smart_settings.remove_target(uow, session_id=session_id, actor=t.principal, now=now)

    await t.write(unit)
    return Response(status_code=204)
