"""A charger's local authorization list, kept in step with the id tokens (SendLocalList,
GetLocalListVersion): switch it on or off, see how far behind it is, sync now."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from chargeplane.api.auth import permit
from chargeplane.api.deps import Tenancy
from chargeplane.api.problems import Problem
from chargeplane.domain.assets.commands import record_command
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.tokens import local_list

router = APIRouter(prefix="/charge-points/{charge_point_id}/local-list", tags=["local authorization list"])

Command = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.COMMAND))]
Read = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.READ))]

_CHARGER_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "the charger is not connected, or has no list switched on"},
    504: {"model": Problem, "description": "the charger did not answer in time"},
}


class LocalListRead(BaseModel):
    enabled: bool
    version: int = Field(description="the list version the charger accepted last (0: none yet)")
    entries: int = Field(description="cards in that version")
    pending_changes: int = Field(description="cards added, changed or removed since: sent at the next sync")
    synced_at: datetime | None
    last_result: str | None = Field(description="the charger's last answer to SendLocalList, or why none came")


class LocalListSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(description="keep this charger's list in step with the cards; off clears it")


class SyncRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full: bool = Field(default=False, description="send the whole list, not only the changes")


class SyncResultRead(BaseModel):
    sent: bool = Field(description="false when the charger was in step already")
    result: str = Field(description="Accepted, Failed, NotSupported, VersionMismatch, or 'in step'")
    version: int
    update_type: Literal["Full", "Differential"] | None
    entries: int


class ChargerVersion(BaseModel):
    charger_version: int = Field(description="GetLocalListVersion's answer (-1: the charger has no list support)")
    our_version: int
    in_step: bool


async def _state(t: Tenancy, charge_point_id: uuid.UUID) -> LocalListRead:
    now = t.services.clock.now()
    state = await t.read(lambda uow: local_list.describe(uow, charge_point_id=charge_point_id, now=now))
    return LocalListRead.model_validate(state, from_attributes=True)


async def sync(t: Tenancy, charge_point_id: uuid.UUID, *, full: bool) -> SyncResultRead:
    now = t.services.clock.now()
    await t.write(lambda uow: record_command(uow, charge_point_id=charge_point_id, command="send-local-list",
                                             payload={"full": full}, actor=t.principal, now=now))
    result = await local_list.sync_local_list(t.services.db, t.services.bus.gateway, scope=t.scope,
                                              charge_point_id=charge_point_id, now=now, full=full)
    return SyncResultRead(sent=result.sent, result=result.result, version=result.version,
                          update_type=result.update_type, entries=result.entries)


@router.get("", response_model=LocalListRead, operation_id="get_local_list")
async def get_local_list(charge_point_id: uuid.UUID, t: Read) -> LocalListRead:
    return await _state(t, charge_point_id)


@router.put("", response_model=LocalListRead, operation_id="set_local_list", responses=_CHARGER_ERRORS)
async def set_local_list(charge_point_id: uuid.UUID, body: LocalListSettings, t: Command) -> LocalListRead:
    """Switch the list on (a full update is sent now if the charger is connected, else when it
    connects) or off (an empty full update clears the charger's list)."""
    await t.write(lambda uow: local_list.enable(uow, charge_point_id=charge_point_id, enabled=body.enabled))
    if t.services.bus.gateway.is_connected(charge_point_id):
        await sync(t, charge_point_id, full=True)
    return await _state(t, charge_point_id)


@router.post("/sync", response_model=SyncResultRead, operation_id="sync_local_list", responses=_CHARGER_ERRORS)
async def sync_now(charge_point_id: uuid.UUID, t: Command, body: SyncRequest | None = None) -> SyncResultRead:
    """Send what changed since the charger's version (or everything, with `full`)."""
    return await sync(t, charge_point_id, full=body.full if body else False)


@router.get("/charger-version", response_model=ChargerVersion, operation_id="get_charger_local_list_version",
            responses=_CHARGER_ERRORS)
async def charger_version(charge_point_id: uuid.UUID, t: Command) -> ChargerVersion:
    """Ask the charger which list version it holds (GetLocalListVersion)."""
    state = await _state(t, charge_point_id)
    answer = await t.services.bus.gateway.call(charge_point_id, "GetLocalListVersion", {})
    version = int(answer.get("listVersion", -1))
    return ChargerVersion(charger_version=version, our_version=state.version, in_step=version == state.version)
