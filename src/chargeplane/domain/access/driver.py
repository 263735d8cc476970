"""The driver app's side of the domain: my chargers, my cards, starting and stopping, my sessions.

Everything here runs with the whole tenant's scope (a driver's chargers cross account borders by
design: a public one, a neighbour's shared one) and selects by the user; nothing is read for a user
that is not theirs or visible to them under `visibility`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.access.schemas import DriverChargePoint, DriverConnector, DriverSession
from chargeplane.domain.access.visibility import Reach, reach_of, visible_charge_point
from chargeplane.domain.assets.models import ChargePoint, Site
from chargeplane.domain.audit.service import record
from chargeplane.domain.errors import Conflict, Invalid, NotFound
from chargeplane.domain.identity.models import Membership
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.sessions.models import ChargingSession
from chargeplane.domain.sessions.queries import running_energy
from chargeplane.domain.tokens import service as cards
from chargeplane.domain.tokens.authorization import allowed_at, arm_remote_start
from chargeplane.domain.tokens.models import IdToken

MAX_RUNNING = 20  # a person charges a few cars at most; more is a fleet, seen in the portal

def charge_point_views(uow: UnitOfWork, reach: Reach, charge_points: list[ChargePoint]) -> list[DriverChargePoint]:
    site_ids = {cp.site_id for cp in charge_points if cp.site_id is not None}
    sites = {s.id: s for s in uow.session.scalars(select(Site).where(Site.id.in_(sorted(site_ids))))} \
        if site_ids else {}
    views = []
    for cp in charge_points:
        why = reach.why(cp)
        assert why is not None
        site = sites.get(cp.site_id) if cp.site_id is not None else None
        views.append(DriverChargePoint(
            id=cp.id, identity=cp.identity, name=cp.name, site_id=cp.site_id, site_name=site.name if site else None,
            address=site.address if site else None, latitude=site.latitude if site else None,
            longitude=site.longitude if site else None, visibility=why, created_at=cp.created_at,
            # Connector 0 stands for the whole charger; drivers pick one they can plug into.
            connectors=[DriverConnector.model_validate(c) for c in cp.connectors if c.connector_id > 0],
        ))
    return views


# Cards


def my_cards(uow: UnitOfWork, *, user_id: uuid.UUID) -> list[IdToken]:
    return list(uow.session.scalars(select(IdToken).where(IdToken.user_id == user_id)
                                    .order_by(IdToken.created_at, IdToken.id)))


def my_card(uow: UnitOfWork, *, user_id: uuid.UUID, card_id: uuid.UUID) -> IdToken:
    card = uow.session.get(IdToken, card_id)
    if card is None or card.user_id != user_id:
        raise NotFound("card not found", card_id=str(card_id))
    return card


def add_my_card(uow: UnitOfWork, *, actor: Principal, kind: str, uid: str | None, label: str | None,
                account_id: uuid.UUID | None, now: datetime) -> IdToken:
    """A physical card by its uid (refused when the tenant has it already) or a new virtual one, held by
    the caller, in one of their accounts (their only one when left out; none when they have none)."""
    assert actor.user_id is not None
    mine = set(uow.session.scalars(select(Membership.account_id).where(
        Membership.user_id == actor.user_id, Membership.account_id.is_not(None))))
    if account_id is None:
        account_id = mine.pop() if len(mine) == 1 else None
    elif account_id not in mine:
        raise Invalid("account_id must be one of your accounts", field="account_id")
    return cards.create_id_token(uow, uid=uid, kind=kind, label=label, user_id=actor.user_id, account_id=account_id,
                                 actor=actor, now=now)


def update_my_card(uow: UnitOfWork, *, actor: Principal, card_id: uuid.UUID, changes: dict[str, Any],
                   now: datetime) -> IdToken:
    """A driver relabels or blocks their own card; unblocking is for staff (a lost card stays blocked)."""
    assert actor.user_id is not None
    my_card(uow, user_id=actor.user_id, card_id=card_id)
    if "status" in changes and changes["status"] != "blocked":
        raise Invalid("you can only block your card; ask support to unblock it", field="status")
    return cards.update_id_token(uow, card_id, changes=changes, actor=actor, now=now)


# Starting and stopping


@dataclass(frozen=True, slots=True)
class RemoteStart:
    charge_point_id: uuid.UUID
    card_id: uuid.UUID
    id_tag: str
    connector_id: int | None


def plan_start(uow: UnitOfWork, *, actor: Principal, charge_point_id: uuid.UUID, connector_id: int | None,
               card_id: uuid.UUID | None, now: datetime) -> RemoteStart:
    """Check the driver may start here with this card, arm a virtual card's remote start, audit the command."""
    assert actor.user_id is not None
    cp = visible_charge_point(uow, reach=reach_of(uow, user_id=actor.user_id, at=now),
                              charge_point_id=charge_point_id)
    card = my_card(uow, user_id=actor.user_id, card_id=card_id) if card_id is not None else \
        next(iter(usable_cards(uow, user_id=actor.user_id, charge_point_id=cp.id, now=now)), None)
    if card is None:
        raise Conflict("you have no card that can charge here: add one (a virtual card works from the app)",
                       field="card_id")
    if _status(card, now) != "accepted":
        raise Conflict("this card cannot charge: it is %(status)s", field="card_id", status=_status(card, now))
    if not _usable(uow, card, cp.id, now):
        raise Conflict("this card is restricted to other sites and charge points", field="card_id")
    if card.kind == "virtual":
        arm_remote_start(card, charge_point_id=cp.id, now=now)
    record(uow, actor=actor, action="command.remote_start_transaction", object_type="charge_point",
           object_id=cp.id, at=now, account_id=cp.account_id,
           after={"connector_id": connector_id, "id_token_id": card.id})
    return RemoteStart(cp.id, card.id, card.uid, connector_id)


def usable_cards(uow: UnitOfWork, *, user_id: uuid.UUID, charge_point_id: uuid.UUID, now: datetime) -> list[IdToken]:
    """My cards that can start at this charger now (accepted, unexpired, not restricted to elsewhere)."""
    return [c for c in my_cards(uow, user_id=user_id) if _usable(uow, c, charge_point_id, now)]


def _status(card: IdToken, now: datetime) -> str:
    if card.status == "accepted" and card.expires_at is not None and card.expires_at <= now:
        return "expired"
    return card.status


def _usable(uow: UnitOfWork, card: IdToken, charge_point_id: uuid.UUID, now: datetime) -> bool:
    return _status(card, now) == "accepted" and (not card.restricted or allowed_at(uow, card.id, charge_point_id))


@dataclass(frozen=True, slots=True)
class RemoteStop:
    charge_point_id: uuid.UUID
    transaction_id: int


def plan_stop(uow: UnitOfWork, *, actor: Principal, session_id: uuid.UUID, now: datetime) -> RemoteStop:
    """Only a running session of one's own cards can be stopped from the app."""
    assert actor.user_id is not None
    session = my_session(uow, user_id=actor.user_id, session_id=session_id)
    if session.state != "active" or session.charge_point_id is None or session.transaction_id is None:
        raise Conflict("the session is not running")
    record(uow, actor=actor, action="command.remote_stop_transaction", object_type="charge_point",
           object_id=session.charge_point_id, at=now, account_id=session.account_id,
           after={"transaction_id": session.transaction_id, "session_id": session.id})
    return RemoteStop(session.charge_point_id, session.transaction_id)


# Sessions


def _of_my_cards(user_id: uuid.UUID) -> Any:
    return ChargingSession.id_token_id.in_(select(IdToken.id).where(IdToken.user_id == user_id))


def my_sessions(uow: UnitOfWork, *, user_id: uuid.UUID, limit: int, after: tuple[Any, uuid.UUID] | None = None
                ) -> list[DriverSession]:
    """Sessions started with the driver's cards, newest first, with the energy so far of running ones."""
    query = select(ChargingSession).where(_of_my_cards(user_id))
    rows = list(uow.session.scalars(newest_first(query, ChargingSession, limit=limit, after=after)))
    return _with_energy(uow, rows)


def my_session(uow: UnitOfWork, *, user_id: uuid.UUID, session_id: uuid.UUID) -> ChargingSession:
    session = uow.session.scalar(select(ChargingSession).where(ChargingSession.id == session_id,
                                                               _of_my_cards(user_id)))
    if session is None:
        raise NotFound("session not found", session_id=str(session_id))
    return session


def my_session_view(uow: UnitOfWork, *, user_id: uuid.UUID, session_id: uuid.UUID) -> DriverSession:
    return _with_energy(uow, [my_session(uow, user_id=user_id, session_id=session_id)])[0]


def my_running_sessions(uow: UnitOfWork, *, user_id: uuid.UUID) -> list[DriverSession]:
    """The driver's sessions that have not stopped (interrupted ones too: their charger may come back), newest first."""
    query = select(ChargingSession).where(_of_my_cards(user_id), ChargingSession.state.in_(("active", "interrupted")))
    rows = uow.session.scalars(newest_first(query, ChargingSession, limit=MAX_RUNNING, after=None))
    return _with_energy(uow, list(rows))


def charger_names(uow: UnitOfWork, charge_point_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """What to call the chargers of a driver's sessions: their name, where they have one."""
    if not charge_point_ids:
        return {}
    rows = uow.session.execute(select(ChargePoint.id, ChargePoint.name)
                               .where(ChargePoint.id.in_(sorted(charge_point_ids)), ChargePoint.name.is_not(None)))
    return {row.id: row.name for row in rows}


def _with_energy(uow: UnitOfWork, sessions: list[ChargingSession]) -> list[DriverSession]:
    running = running_energy(uow, sessions)
    views = [DriverSession.model_validate(s) for s in sessions]
    for view in views:
        if view.id in running:
            view.energy_wh = running[view.id]
    return views
