"""Local authorization lists kept in step with the id tokens (OCPP 1.6 SendLocalList,
GetLocalListVersion).

What a charger should hold is derived from the cards: every physical card that may charge there,
with the status it would get online (accepted, blocked, expired, invalid; a disabled holder's card
is blocked). Cards restricted to other places and virtual cards (app starts only) stay out: unknown
to the list, they are asked about online. The first update, and any after a version mismatch, is a
full one; later ones carry only the changes (removals without idTagInfo), each with the next version.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from sqlalchemy import select

from chargeplane.db import Database, Scope, UnitOfWork
from chargeplane.domain.assets.service import get_charge_point
from chargeplane.domain.errors import Conflict
from chargeplane.domain.identity.models import User
from chargeplane.domain.tokens.authorization import allowed_at
from chargeplane.domain.tokens.local_list_model import LocalAuthList
from chargeplane.domain.tokens.models import IdToken

UpdateType = Literal["Full", "Differential"]
_STATUS = {"accepted": "Accepted", "blocked": "Blocked", "expired": "Expired", "invalid": "Invalid"}


class CommandSender(Protocol):
    """Talks to a connected charger (the OCPP registry, wired in by the app)."""

    async def call(self, charge_point_id: uuid.UUID, action: str, payload: dict[str, Any],
                   timeout: float | None = None) -> dict[str, Any]: ...


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def desired_entries(uow: UnitOfWork, *, charge_point_id: uuid.UUID, now: datetime) -> dict[str, dict[str, Any]]:
    """The list this charger should hold now, by card uid."""
    rows = uow.session.execute(select(IdToken, User.status).outerjoin(User, User.id == IdToken.user_id)
                               .where(IdToken.kind == "physical")).all()
    entries: dict[str, dict[str, Any]] = {}
    for token, holder_status in rows:
        if token.restricted and not allowed_at(uow, token.id, charge_point_id):
            continue
        status = token.status
        if status == "accepted" and holder_status == "disabled":
            status = "blocked"
        expires = token.expires_at if token.expires_at is None or token.expires_at.tzinfo else \
            token.expires_at.replace(tzinfo=UTC)
        if status == "accepted" and expires is not None and expires <= now:
            status = "expired"
        entries[token.uid] = {"status": _STATUS.get(status, "Invalid"), "expiryDate": _iso(token.expires_at),
                              "parentIdTag": token.parent_uid}
    return entries


def _ocpp_entry(uid: str, info: dict[str, Any] | None) -> dict[str, Any]:
    if info is None:
        return {"idTag": uid}  # a removal, in a differential update
    tag_info = {"status": info["status"]}
    if info.get("expiryDate"):
        tag_info["expiryDate"] = info["expiryDate"]
    if info.get("parentIdTag"):
        tag_info["parentIdTag"] = info["parentIdTag"]
    return {"idTag": uid, "idTagInfo": tag_info}


@dataclass(frozen=True, slots=True)
class SyncPlan:
    version: int
    update_type: UpdateType
    payload: dict[str, Any]  # SendLocalList.req
    snapshot: dict[str, dict[str, Any]]  # what the charger holds once it accepts


def _state(uow: UnitOfWork, charge_point_id: uuid.UUID) -> LocalAuthList | None:
    return uow.session.scalar(select(LocalAuthList).where(LocalAuthList.charge_point_id == charge_point_id))


def enable(uow: UnitOfWork, *, charge_point_id: uuid.UUID, enabled: bool) -> LocalAuthList:
    get_charge_point(uow, charge_point_id)
    state = _state(uow, charge_point_id)
    if state is None:
        state = LocalAuthList(charge_point_id=charge_point_id, enabled=enabled, version=0, entries={})
        uow.session.add(state)
    state.enabled = enabled
    uow.session.flush()
    return state


def plan_sync(uow: UnitOfWork, *, charge_point_id: uuid.UUID, now: datetime, full: bool = False) -> SyncPlan | None:
    """The update that brings the charger in step, or None when it is already (or its list is off
    and empty). A disabled list is cleared with an empty full update."""
    state = _state(uow, charge_point_id)
    if state is None:
        get_charge_point(uow, charge_point_id)
        raise Conflict("this charger has no local authorization list; enable it first")
    desired = desired_entries(uow, charge_point_id=charge_point_id, now=now) if state.enabled else {}
    if not full and state.version > 0 and desired == state.entries:
        return None
    version = state.version + 1
    if full or state.version == 0:
        items = [_ocpp_entry(uid, info) for uid, info in sorted(desired.items())]
        update: UpdateType = "Full"
    else:
        changed = {uid: info for uid, info in desired.items() if state.entries.get(uid) != info}
        removed = [uid for uid in state.entries if uid not in desired]
        items = [_ocpp_entry(uid, info) for uid, info in sorted(changed.items())] + \
            [_ocpp_entry(uid, None) for uid in sorted(removed)]
        update = "Differential"
    payload = {"listVersion": version, "updateType": update, "localAuthorizationList": items}
    return SyncPlan(version, update, payload, desired)


def record_sync(uow: UnitOfWork, *, charge_point_id: uuid.UUID, plan: SyncPlan | None, result: str,
                now: datetime) -> LocalAuthList:
    """The charger's answer (Accepted, Failed, NotSupported, VersionMismatch) or why there was none."""
    state = _state(uow, charge_point_id)
    assert state is not None
    state.last_result, state.last_attempt_at = result[:200], now
    if plan is not None and result == "Accepted":
        state.version, state.entries, state.synced_at = plan.version, plan.snapshot, now
    if result == "VersionMismatch":
        state.version = 0  # the next update is a full one
    return state


@dataclass(frozen=True, slots=True)
class SyncResult:
    sent: bool
    result: str
    version: int
    update_type: UpdateType | None
    entries: int


async def sync_local_list(db: Database, sender: CommandSender, *, scope: Scope, charge_point_id: uuid.UUID,
                          now: datetime, full: bool = False) -> SyncResult:
    """Bring one charger's list in step: plan, send SendLocalList, record the answer; after a
    VersionMismatch, once more as a full update. Raises what the sender raises (not connected,
    timeout) after recording it."""
    result = await _send(db, sender, scope=scope, charge_point_id=charge_point_id, now=now, full=full)
    if result.result == "VersionMismatch" and result.update_type == "Differential":
        result = await _send(db, sender, scope=scope, charge_point_id=charge_point_id, now=now, full=True)
    return result


async def _send(db: Database, sender: CommandSender, *, scope: Scope, charge_point_id: uuid.UUID, now: datetime,
                full: bool) -> SyncResult:
    def plan_unit(uow: UnitOfWork) -> SyncPlan | tuple[int, int]:
        plan = plan_sync(uow, charge_point_id=charge_point_id, now=now, full=full)
        if plan is not None:
            return plan
        state = _state(uow, charge_point_id)
        assert state is not None
        return state.version, len(state.entries)

    plan = await db.read(scope, plan_unit)
    if not isinstance(plan, SyncPlan):
        version, entries = plan
        return SyncResult(False, "in step", version, None, entries)

    def record(result: str) -> Callable[[UnitOfWork], LocalAuthList]:
        return lambda uow: record_sync(uow, charge_point_id=charge_point_id, plan=plan, result=result, now=now)

    try:
        answer = await sender.call(charge_point_id, "SendLocalList", plan.payload)
    except Exception as exc:  # the sender's failures (not connected, timeout, CALLERROR): kept, then passed on
        await db.write(scope, record(f"{type(exc).__name__}: {exc}"))
        raise
    result = str(answer.get("status"))
    await db.write(scope, record(result))
    return SyncResult(True, result, plan.version, plan.update_type, len(plan.snapshot))


@dataclass(frozen=True, slots=True)
class ListState:
    enabled: bool
    version: int
    entries: int
    pending_changes: int
    synced_at: datetime | None
    last_result: str | None


def describe(uow: UnitOfWork, *, charge_point_id: uuid.UUID, now: datetime) -> ListState:
    get_charge_point(uow, charge_point_id)
    state = _state(uow, charge_point_id)
    if state is None:
        return ListState(False, 0, 0, 0, None, None)
    desired = desired_entries(uow, charge_point_id=charge_point_id, now=now) if state.enabled else {}
    pending = sum(1 for uid, info in desired.items() if state.entries.get(uid) != info) + \
        sum(1 for uid in state.entries if uid not in desired)
    return ListState(state.enabled, state.version, len(state.entries), pending, state.synced_at, state.last_result)


def lists_to_keep(uow: UnitOfWork) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant, charge point) of every list kept in step (installation scope: the job's view)."""
    rows = uow.session.execute(select(LocalAuthList.tenant_id, LocalAuthList.charge_point_id)
                               .where(LocalAuthList.enabled.is_(True))).all()
    return [(tenant_id, charge_point_id) for tenant_id, charge_point_id in rows]


def keeps_list(uow: UnitOfWork, charge_point_id: uuid.UUID) -> bool:
    state = _state(uow, charge_point_id)
    return state is not None and state.enabled
