"""The driver's flows as wholes: chargers with their live connection, remote start and stop through the
charger gateway, a session with its cost, and opening one's own account. The API's `/me` routes and
the driver app's pages both call these, so the two never differ in what they do.

They run with the whole tenant's scope, not the caller's accounts: a driver's chargers cross account
borders by design, so `domain.access.driver` and `domain.access.visibility` select by the user instead.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from chargeplane.api.deps import Services, Tenancy
from chargeplane.api.problems import ApiError
from chargeplane.bus import ChargerGateway
from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.access import driver
from chargeplane.domain.access.schemas import DriverChargePoint, DriverCommandResult
from chargeplane.domain.access.visibility import reach_of, visible_charge_point, visible_charge_points
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.pricing.cdr_schemas import DriverSessionWithCost
from chargeplane.domain.pricing.live import session_cost
from chargeplane.domain.tenancy.personal import open_personal_account, personal_account_of
from chargeplane.domain.tenancy.schemas import AccountRead


def driver_tenancy_of(services: Services, principal: Principal) -> Tenancy:
    """The tenant's scope, on purpose: see the module's docstring."""
    return Tenancy(services, Scope.tenant(principal.tenant_id), principal)


def user_of(t: Tenancy) -> uuid.UUID:
    user_id = t.principal.user_id
    assert user_id is not None
    return user_id


def _live(views: list[DriverChargePoint], gateway: ChargerGateway) -> list[DriverChargePoint]:
    for view in views:
        view.connected = gateway.is_connected(view.id)
    return views


async def my_charge_points(t: Tenancy, *, limit: int, after: tuple[datetime, uuid.UUID] | None = None
                           ) -> list[DriverChargePoint]:
    """The chargers I may use, newest first, each with why and whether it is connected now."""
    now = t.services.clock.now()

    def unit(uow: UnitOfWork) -> list[DriverChargePoint]:
        reach = reach_of(uow, user_id=user_of(t), at=now)
        return driver.charge_point_views(uow, reach, visible_charge_points(uow, reach=reach, limit=limit,
                                                                           after=after))

    return _live(await t.read(unit), t.services.bus.gateway)


async def my_charge_point(t: Tenancy, charge_point_id: uuid.UUID) -> DriverChargePoint:
    now = t.services.clock.now()

    def unit(uow: UnitOfWork) -> list[DriverChargePoint]:
        reach = reach_of(uow, user_id=user_of(t), at=now)
        return driver.charge_point_views(uow, reach, [visible_charge_point(uow, reach=reach,
                                                                           charge_point_id=charge_point_id)])

    return _live(await t.read(unit), t.services.bus.gateway)[0]


async def start_charging(t: Tenancy, *, charge_point_id: uuid.UUID, connector_id: int | None = None,
                         card_id: uuid.UUID | None = None) -> DriverCommandResult:
    """Remote start with my card (by default my first card that can charge here). Answers what the
    charger said: Accepted or Rejected; raises the gateway's errors (not connected, busy, timeout)."""
    now = t.services.clock.now()
    plan = await t.write(lambda uow: driver.plan_start(uow, actor=t.principal, charge_point_id=charge_point_id,
                                                       connector_id=connector_id, card_id=card_id, now=now))
    payload: dict[str, Any] = {"idTag": plan.id_tag}
    if plan.connector_id is not None:
        payload["connectorId"] = plan.connector_id
    reply = await _command(t, plan.charge_point_id, "RemoteStartTransaction", payload)
    return DriverCommandResult(status=str(reply.get("status")), charge_point_id=plan.charge_point_id,
                               card_id=plan.card_id, connector_id=plan.connector_id)


async def stop_charging(t: Tenancy, *, session_id: uuid.UUID) -> DriverCommandResult:
    """Remote stop of one of my running sessions."""
    now = t.services.clock.now()
    plan = await t.write(lambda uow: driver.plan_stop(uow, actor=t.principal, session_id=session_id, now=now))
    reply = await _command(t, plan.charge_point_id, "RemoteStopTransaction", {"transactionId": plan.transaction_id})
    return DriverCommandResult(status=str(reply.get("status")), charge_point_id=plan.charge_point_id,
                               transaction_id=plan.transaction_id)


async def _command(t: Tenancy, charge_point_id: uuid.UUID, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Through the same gateway as the operators' commands, so the same failures (not connected, busy,
    timeout, CALLERROR) come back as the same problems."""
    gateway = t.services.bus.gateway
    if action not in gateway.command_actions(charge_point_id):
        raise ApiError(409, "not-supported", "this charger cannot be started or stopped from the app")
    return await gateway.call(charge_point_id, action, payload)


def session_with_cost(uow: UnitOfWork, *, user_id: uuid.UUID, session_id: uuid.UUID,
                      now: datetime) -> DriverSessionWithCost:
    """One of my sessions with its cost: running (so far) or final (its charge detail record)."""
    view = driver.my_session_view(uow, user_id=user_id, session_id=session_id)
    cost = session_cost(uow, driver.my_session(uow, user_id=user_id, session_id=session_id), now=now)
    # `card_id` is read from the session's `id_token_id`.
    fields = {**view.model_dump(exclude={"card_id"}), "id_token_id": view.card_id, "cost": cost}
    return DriverSessionWithCost.model_validate(fields)


async def open_my_account(t: Tenancy) -> tuple[AccountRead, bool]:
    """My personal account, to register my own charger in; opened now unless I have it. Answers it
    and whether it is new."""
    now = t.services.clock.now()

    def unit(uow: UnitOfWork) -> tuple[AccountRead, bool]:
        existed = personal_account_of(uow, user_id=user_of(t)) is not None
        account = open_personal_account(uow, user_id=user_of(t), actor=t.principal, now=now)
        return AccountRead.model_validate(account), not existed

    return await t.write(unit)
