"""Charging sessions: start, meter values, stop. Nothing lost, nothing counted twice.

Every function here is idempotent for the messages chargers retry: the same start returns the same
transaction, the same stop or the same meter values change nothing the second time.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.models import ChargePoint, Site
from chargeplane.domain.errors import NotFound
from chargeplane.domain.pricing.cdrs import issue_cdr
from chargeplane.domain.pricing.selection import Place, select_at
from chargeplane.domain.reservations.service import use_reservation
from chargeplane.domain.sessions.events import SessionStarted, SessionStopped
from chargeplane.domain.sessions.known import KnownSessions, SessionRef
from chargeplane.domain.sessions.meter_values import store_readings
from chargeplane.domain.sessions.models import ChargingSession
from chargeplane.domain.sessions.readings import MeterReading
from chargeplane.domain.sessions.rules import energy_and_anomalies
from chargeplane.domain.tokens.authorization import Authorization, authorize_token, disarm_remote_start

MAX_TRANSACTION_ID = 2**31 - 1  # OCPP 1.6 transactionId is a JSON integer; stay in int32 for chargers


def authorize_start(uow: UnitOfWork, *, id_tag: str, at: datetime, charge_point_id: uuid.UUID,
                    resent: ChargingSession | None = None) -> Authorization:
    """For a start: the token's answer at this charge point, or ConcurrentTx when it is already charging
    elsewhere. (OCPP 1.6 gives ConcurrentTx only to StartTransaction; Authorize answers the token's own
    status.) `resent` is the session a re-sent StartTransaction already made: it is not a concurrent one,
    and a virtual card's remote start it used up still counts."""
    auth = authorize_token(uow, uid=id_tag, at=at, charge_point_id=charge_point_id,
                           remote_start_taken=resent is not None and resent.id_tag_status == "accepted")
    if auth.accepted and auth.token_id is not None:
        # Only a start that was accepted charges elsewhere; a refused one is being ended by its charger.
        query = select(ChargingSession.id).where(
            ChargingSession.id_token_id == auth.token_id, ChargingSession.state == "active",
            ChargingSession.id_tag_status == "accepted",
        )
        if resent is not None:
            query = query.where(ChargingSession.id != resent.id)
        if uow.session.scalar(query.limit(1)) is not None:
            return Authorization("concurrent_tx", auth.expires_at, auth.parent_uid, auth.token_id)
        if auth.remote_start:
            disarm_remote_start(uow, auth.token_id)
    return auth


@dataclass(frozen=True, slots=True)
class StartResult:
    transaction_id: int
    authorization: Authorization
    session_id: uuid.UUID


def start_session(
    uow: UnitOfWork,
    *,
    charge_point_id: uuid.UUID,
    connector_id: int,
    id_tag: str,
    meter_start_wh: int,
    started_at: datetime,
    received_at: datetime,
    reservation_id: int | None = None,
    known: KnownSessions | None = None,
) -> StartResult:
    s = uow.session
    existing = s.scalar(select(ChargingSession).where(
        ChargingSession.charge_point_id == charge_point_id, ChargingSession.connector_id == connector_id,
        ChargingSession.started_at == started_at, ChargingSession.meter_start_wh == meter_start_wh,
        ChargingSession.id_tag == id_tag, ChargingSession.transaction_id.is_not(None),
    ))
    if existing is not None:  # a re-sent StartTransaction: same answer, nothing new
        assert existing.transaction_id is not None
        auth = authorize_start(uow, id_tag=id_tag, at=started_at, charge_point_id=charge_point_id, resent=existing)
        return StartResult(existing.transaction_id, auth, existing.id)

    owner = s.execute(select(ChargePoint.identity, ChargePoint.account_id, ChargePoint.site_id, Site.time_zone)
                      .outerjoin(Site, Site.id == ChargePoint.site_id)
                      .where(ChargePoint.id == charge_point_id)).first()
    if owner is None:
        raise NotFound("charge point not found")
    identity, account_id, site_id, time_zone = owner
    auth = authorize_start(uow, id_tag=id_tag, at=started_at, charge_point_id=charge_point_id)
    # A new start on a connector that still has an open session: that one's stop was lost.
    s.execute(
        update(ChargingSession)
        .where(ChargingSession.charge_point_id == charge_point_id, ChargingSession.connector_id == connector_id,
               ChargingSession.state == "active", ChargingSession.started_at < started_at)
        .values(state="interrupted", interrupted_at=received_at,
                status_reason="a later transaction started on the same connector")
    )
    session = ChargingSession(
        account_id=account_id, charge_point_id=charge_point_id, charge_point_identity=identity,
        connector_id=connector_id,
        id_tag=id_tag, id_token_id=auth.token_id, id_tag_status=auth.status, reservation_id=reservation_id,
        meter_start_wh=meter_start_wh, started_at=started_at, start_received_at=received_at,
        state="active", status="normal",
    )
    if meter_start_wh < 0:
        session.status, session.status_reason = "abnormal", "negative meter start"
    _freeze_tariff(uow, session, Place(charge_point_id, site_id, account_id, time_zone or "UTC"))
    session.transaction_id = _insert_with_new_transaction_id(s, session)
    if reservation_id is not None:
        use_reservation(uow, charge_point_id=charge_point_id, reservation_id=reservation_id, session_id=session.id,
                        now=received_at)
    if known is not None:
        known.remember_after_commit(uow, SessionRef(session.id, session.transaction_id, "active"))
    uow.publish(SessionStarted(uow.tenant_id, session.id, charge_point_id, connector_id, session.transaction_id,
                               started_at))
    return StartResult(session.transaction_id, auth, session.id)


def _freeze_tariff(uow: UnitOfWork, session: ChargingSession, place: Place) -> None:
    """The price is the one that applied at the start: a copy, so later edits of the tariff change nothing."""
    assert session.started_at is not None
    chosen = select_at(uow, place=place, id_token_id=session.id_token_id, at=session.started_at)
    session.tariff_time_zone = place.time_zone
    if chosen is not None:
        session.tariff_id, session.tariff_snapshot = chosen.tariff_id, chosen.snapshot()


def _insert_with_new_transaction_id(s: Session, session: ChargingSession) -> int:
    """Random ids, so that nobody can guess another charger's transaction; unique across tenants."""
    s.add(session)
    for _ in range(8):
        session.transaction_id = secrets.randbelow(MAX_TRANSACTION_ID) + 1
        try:
            with s.begin_nested():
                s.flush()
        except IntegrityError:
            s.add(session)
            continue
        return session.transaction_id
    raise RuntimeError("could not draw a free transaction id")


@dataclass(frozen=True, slots=True)
class StopResult:
    session_id: uuid.UUID
    authorization: Authorization | None


def stop_session(
    uow: UnitOfWork,
    *,
    charge_point_id: uuid.UUID,
    transaction_id: int,
    meter_stop_wh: int,
    stopped_at: datetime,
    received_at: datetime,
    id_tag: str | None = None,
    reason: str | None = None,
    transaction_data: list[MeterReading] | None = None,
    known: KnownSessions | None = None,
) -> StopResult:
    s = uow.session
    reason = reason or "Local"  # OCPP 1.6: an absent reason means Local
    # At a stop the token's own status is the answer; it is of course busy with this very session.
    auth = authorize_token(uow, uid=id_tag, at=stopped_at) if id_tag else None
    session = _find_own_session(s, charge_point_id, transaction_id)
    if session is None:
        session = _record_orphan_stop(uow, charge_point_id=charge_point_id, transaction_id=transaction_id,
                                      meter_stop_wh=meter_stop_wh, stopped_at=stopped_at, received_at=received_at,
                                      id_tag=id_tag, reason=reason)
    elif session.state != "completed":
        energy, problems = energy_and_anomalies(
            meter_start_wh=session.meter_start_wh, meter_stop_wh=meter_stop_wh, started_at=session.started_at,
            stopped_at=stopped_at, stop_reason=reason,
        )
        session.meter_stop_wh, session.stopped_at, session.stop_received_at = meter_stop_wh, stopped_at, received_at
        session.stop_id_tag, session.stop_reason, session.energy_wh = id_tag, reason, energy
        session.state = "completed"
        if problems:
            reasons = [session.status_reason] if session.status == "abnormal" and session.status_reason else []
            session.status, session.status_reason = "abnormal", "; ".join(reasons + problems)
        s.flush()
        # Priced now, with this stop's own readings (they are stored only at the end of the batch).
        issue_cdr(uow, session_id=session.id, now=received_at, received=transaction_data or ())
        if known is not None:
            known.remember_after_commit(uow, SessionRef(session.id, transaction_id, "completed"))
        uow.publish(SessionStopped(uow.tenant_id, session.id, charge_point_id, session.transaction_id,
                                   session.energy_wh, session.status, stopped_at))
    # else: a re-sent StopTransaction for a completed session changes nothing.
    if transaction_data:
        # transactionData names no connector: its readings were taken on the transaction's own.
        store_readings(uow, charge_point_id=charge_point_id, session_id=session.id, transaction_id=transaction_id,
                       readings=((session.connector_id, r) for r in transaction_data), received_at=received_at)
    return StopResult(session.id, auth)


def _find_own_session(s: Session, charge_point_id: uuid.UUID, transaction_id: int) -> ChargingSession | None:
    """A charger can only touch its own transactions: the lookup always includes the charger."""
    if transaction_id <= 0:
        return None
    return s.scalar(select(ChargingSession).where(
        ChargingSession.charge_point_id == charge_point_id, ChargingSession.transaction_id == transaction_id
    ))


def _record_orphan_stop(uow: UnitOfWork, *, charge_point_id: uuid.UUID, transaction_id: int, meter_stop_wh: int,
                        stopped_at: datetime, received_at: datetime, id_tag: str | None, reason: str
                        ) -> ChargingSession:
    """A stop whose start never arrived: acknowledged and kept as an abnormal session, once."""
    s = uow.session
    key = hashlib.blake2b(f"{transaction_id}|{stopped_at.isoformat()}|{meter_stop_wh}".encode(),
                          digest_size=16).hexdigest()
    existing = s.scalar(select(ChargingSession).where(
        ChargingSession.charge_point_id == charge_point_id, ChargingSession.orphan_key == key))
    if existing is not None:
        return existing
    owner = s.execute(select(ChargePoint.identity, ChargePoint.account_id)
                      .where(ChargePoint.id == charge_point_id)).first()
    identity, account_id = owner if owner is not None else ("", None)
    why = ("StopTransaction without a transaction (transactionId -1)" if transaction_id == -1
           else f"StopTransaction for unknown transactionId {transaction_id}")
    session = ChargingSession(
        account_id=account_id, reported_transaction_id=transaction_id, orphan_key=key, charge_point_id=charge_point_id,
        charge_point_identity=identity, connector_id=0, id_tag=id_tag, meter_stop_wh=meter_stop_wh,
        stopped_at=stopped_at, stop_received_at=received_at, stop_id_tag=id_tag, stop_reason=reason,
        state="completed", status="abnormal", status_reason=why,
    )
    s.add(session)
    s.flush()
    uow.publish(SessionStopped(uow.tenant_id, session.id, charge_point_id, None, None, "abnormal", stopped_at))
    return session


def interrupt_open_sessions(uow: UnitOfWork, *, charge_point_id: uuid.UUID, at: datetime,
                            known: KnownSessions | None = None) -> int:
    """The charger rebooted: what was running is interrupted. A late StopTransaction still completes it,
    and a MeterValues naming it shows it was not interrupted after all."""
    if known is not None:
        known.forget_all_after_commit(uow)
    result = uow.session.execute(
        update(ChargingSession)
        .where(ChargingSession.charge_point_id == charge_point_id, ChargingSession.state == "active")
        .values(state="interrupted", interrupted_at=at)
    )
    return int(getattr(result, "rowcount", 0) or 0)
