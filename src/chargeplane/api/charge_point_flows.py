"""Charge points as whole flows: registering one (a generated password, Argon2 off the event loop),
changing one, reading it with what only the live connection knows, its OCPP message log, and sending
it a command (audited first, then through the gateway). The API's routes and the portal's pages both
call these, so the two never differ in what they do."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from chargeplane.api.deps import Tenancy
from chargeplane.api.problems import ApiError
from chargeplane.bus import ChargerGateway
from chargeplane.bus.errors import ChargerCallFailed
from chargeplane.db import UnitOfWork
from chargeplane.domain.assets import command_queue, configuration, management, service
from chargeplane.domain.assets.command_queue import QueuedCommandRead
from chargeplane.domain.assets.commands import record_command
from chargeplane.domain.assets.credentials import check_password, generate_password
from chargeplane.domain.assets.schemas import ChargePointCreate, ChargePointCreated, ChargePointRead
from chargeplane.domain.chargerlog.service import recent_exchanges


def live(read: ChargePointRead, gateway: ChargerGateway) -> ChargePointRead:
    """The stored charger plus what only the live connection knows."""
    read.connected = gateway.is_connected(read.id)
    seen = gateway.last_seen(read.id)
    if seen is not None and (read.last_seen_at is None or seen > read.last_seen_at):
        read.last_seen_at = seen
    return read


async def register_charge_point(t: Tenancy, body: ChargePointCreate) -> ChargePointCreated:
    """Register a charger; a password left out is generated and returned (this once) in `password`."""
    generated = body.password is None
    password = generate_password() if generated else check_password(body.password or "")
    # Argon2 is slow on purpose: hash off the event loop, and outside the unit of work.
    password_hash = await asyncio.to_thread(t.services.hashing.hash, password)
    fields, now = body.model_dump(exclude={"password"}), t.services.clock.now()
    created = await t.write(lambda uow: ChargePointCreated.model_validate(management.register_charge_point(
        uow, fields=fields, password_hash=password_hash, actor=t.principal, now=now)))
    created.password = password if generated else None
    return created


async def get_charge_point(t: Tenancy, charge_point_id: uuid.UUID) -> ChargePointRead:
    cp = await t.read(lambda uow: ChargePointRead.model_validate(service.get_charge_point(uow, charge_point_id)))
    return live(cp, t.services.bus.gateway)


async def update_charge_point(t: Tenancy, charge_point_id: uuid.UUID, changes: dict[str, Any]) -> ChargePointRead:
    """`changes` holds only the fields set (ChargePointUpdate's); a new `password` is hashed here."""
    changes, now = dict(changes), t.services.clock.now()
    if "password" in changes:
        password = check_password(changes.pop("password") or "")
        changes["password_hash"] = await asyncio.to_thread(t.services.hashing.hash, password)

    def unit(uow: UnitOfWork) -> ChargePointRead:
        management.update_charge_point(uow, charge_point_id, changes=changes, actor=t.principal, now=now)
        return ChargePointRead.model_validate(service.get_charge_point(uow, charge_point_id))

    return live(await t.write(unit), t.services.bus.gateway)


class OcppMessageRead(BaseModel):
    direction: str
    unique_id: str
    action: str
    request: str
    response: str | None
    outcome: str
    created_at: datetime
    answered_at: datetime | None


async def recent_messages(t: Tenancy, charge_point_id: uuid.UUID, *, limit: int) -> list[OcppMessageRead]:
    """The latest OCPP exchanges with this charger, newest first, as they were on the wire."""
    def unit(uow: UnitOfWork) -> list[OcppMessageRead]:
        service.get_charge_point(uow, charge_point_id)
        return [OcppMessageRead.model_validate(m, from_attributes=True)
                for m in recent_exchanges(uow, charge_point_id=charge_point_id, limit=limit)]

    return await t.read(unit)


async def send_command(t: Tenancy, charge_point_id: uuid.UUID, *, command: str, action: str,
                       payload: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
    """Send OCPP `action` (`command` is its kebab-case name) and return the charger's reply payload.

    Audited before it is sent (`command.<command>`, secrets redacted), whether the charger answers or
    not. What the charger says of its configuration is kept: a GetConfiguration answer as its settings,
    a ChangeConfiguration with its answer (or why none came). Raises the bus's ChargerCallFailed kinds
    (not connected, timeout, CALLERROR, ...)."""
    gateway = t.services.bus.gateway
    if action not in gateway.command_actions(charge_point_id):
        # Unknown charger or unknown action: the tenancy gate makes another tenant's charger look like none.
        await t.read(lambda uow: service.get_charge_point(uow, charge_point_id))
        raise ApiError(404, "unknown-command", f"{action} is not a command this charger's protocol has")
    now = t.services.clock.now()
    await t.write(lambda uow: record_command(uow, charge_point_id=charge_point_id, command=command, payload=payload,
                                             actor=t.principal, now=now))
    try:
        answer = await gateway.call(charge_point_id, action, payload, timeout)
    except ChargerCallFailed as exc:
        if action == "ChangeConfiguration":
            await _keep_change(t, charge_point_id, payload, f"{type(exc).__name__}: {exc}")
        raise
    if action == "ChangeConfiguration":
        await _keep_change(t, charge_point_id, payload, str(answer.get("status")))
    elif action == "GetConfiguration":
        at = t.services.clock.now()
        await t.write(lambda uow: configuration.record_reported(uow, charge_point_id=charge_point_id, answer=answer,
                                                                now=at))
    return answer


async def _keep_change(t: Tenancy, charge_point_id: uuid.UUID, payload: dict[str, Any], answer: str) -> None:
    at = t.services.clock.now()
    await t.write(lambda uow: configuration.record_change(uow, charge_point_id=charge_point_id, payload=payload,
                                                          answer=answer, requested_by=t.principal.label, now=at))


async def queue_command(t: Tenancy, charge_point_id: uuid.UUID, *, command: str, action: str,
                        payload: dict[str, Any], expires_in: timedelta) -> QueuedCommandRead:
    """Keep a command for an offline charger until it reconnects (checked against the action's schema
    now, audited now); `jobs/command_queue.py` delivers it."""
    gateway = t.services.bus.gateway
    if action not in gateway.command_actions(charge_point_id):
        await t.read(lambda uow: service.get_charge_point(uow, charge_point_id))
        raise ApiError(404, "unknown-command", f"{action} is not a command this charger's protocol has")
    gateway.check_command(charge_point_id, action, payload)
    now = t.services.clock.now()

    def unit(uow: UnitOfWork) -> QueuedCommandRead:
        record_command(uow, charge_point_id=charge_point_id, command=command, payload=payload, actor=t.principal,
                       now=now)
        return QueuedCommandRead.model_validate(command_queue.queue_command(
            uow, charge_point_id=charge_point_id, command=command, action=action, payload=payload,
            expires_in=expires_in, requested_by=t.principal.label, now=now))

    return await t.write(unit)
