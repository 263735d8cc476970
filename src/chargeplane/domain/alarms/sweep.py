"""Alarms that follow a state rather than an event: a faulted connector, a charger away too long.
The sweep raises what the state calls for and resolves what it no longer does, so that an event
missed (a restart between a commit and its event) is made good at the next round."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.alarms.causes import cause_key
from chargeplane.domain.alarms.models import Alarm
from chargeplane.domain.alarms.service import OPEN, clear_cause, raise_alarm, rule_for
from chargeplane.domain.assets.models import ChargePoint, Connector


def _aware(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def connector_key(charge_point_id: uuid.UUID, connector_id: int) -> str:
    return cause_key("connector_faulted", charge_point_id, connector_id)


def offline_key(charge_point_id: uuid.UUID) -> str:
    return cause_key("charger_offline", charge_point_id)


def sweep(uow: UnitOfWork, *, connected: Callable[[uuid.UUID], bool], now: datetime, base_url: str) -> None:
    _sweep_faults(uow, now=now, base_url=base_url)
    _sweep_offline(uow, connected=connected, now=now, base_url=base_url)


# A fault reported this recently is the bus event's to raise: the sweep would only race it.
SETTLE = timedelta(seconds=10)


def _sweep_faults(uow: UnitOfWork, *, now: datetime, base_url: str) -> None:
    faulted = uow.session.execute(select(Connector.charge_point_id, Connector.connector_id, Connector.error_code)
                                  .where(Connector.status == "Faulted", Connector.updated_at <= now - SETTLE)).all()
    wanted = {connector_key(cp, n): (cp, n, code) for cp, n, code in faulted}
    open_keys = set(uow.session.scalars(select(Alarm.cause_key).where(
        Alarm.cause == "connector_faulted", Alarm.status.in_(OPEN))))
    for key, (cp, n, code) in wanted.items():
        if key not in open_keys:
            raise_alarm(uow, cause="connector_faulted", key=key, at=now, charge_point_id=cp, connector_id=n,
                        detail=code, base_url=base_url)
    still_faulted = set(uow.session.execute(select(Connector.charge_point_id, Connector.connector_id)
                                            .where(Connector.status == "Faulted")).all())
    for key in open_keys - set(wanted):
        charge_point_id, connector_id = _connector_of(key)
        if (charge_point_id, connector_id) not in still_faulted:
            clear_cause(uow, key=key, at=now)


def _connector_of(key: str) -> tuple[uuid.UUID, int]:
    _, charge_point_id, connector_id = key.split(":")
    return uuid.UUID(charge_point_id), int(connector_id)


def _sweep_offline(uow: UnitOfWork, *, connected: Callable[[uuid.UUID], bool], now: datetime,
                   base_url: str) -> None:
    rule = rule_for(uow, "charger_offline")
    limit = timedelta(seconds=rule.offline_after_seconds)
    chargers = uow.session.execute(select(ChargePoint.id, ChargePoint.last_seen_at, ChargePoint.disconnected_at)
                                   .where(ChargePoint.registration_status == "accepted",
                                          ChargePoint.last_seen_at.is_not(None))).all()
    open_keys = set(uow.session.scalars(select(Alarm.cause_key).where(
        Alarm.cause == "charger_offline", Alarm.status.in_(OPEN))))
    for charge_point_id, last_seen, disconnected in chargers:
        key = offline_key(charge_point_id)
        if connected(charge_point_id):
            if key in open_keys:
                clear_cause(uow, key=key, at=now)
            continue
        away_since = max(t for t in (_aware(last_seen), _aware(disconnected)) if t is not None)
        if now - away_since >= limit and key not in open_keys:
            raise_alarm(uow, cause="charger_offline", key=key, at=now, charge_point_id=charge_point_id,
                        detail=f"last seen {away_since.isoformat(timespec='seconds')}", base_url=base_url)
