"""Planning a site: read what is running, share the limit (allocation.plan), keep the result, and say
which profiles must go to which charger. What chargers answer is recorded here too.

The job that calls this owns the sending: decreases first, then increases, so that the site never
passes through a moment where the old and the new shares add up to more than the limit.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.models import ChargePoint, Site
from chargeplane.domain.sessions.models import ChargingSession
from chargeplane.domain.smartcharging import allocation, profiles
from chargeplane.domain.smartcharging.models import (
    ChargerChargingSettings,
    ChargingAllocation,
    ChargingTarget,
    SiteChargingLimit,
)
from chargeplane.domain.smartcharging.schedule import lowest_limit, to_deciamps
from chargeplane.domain.smartcharging.settings import charger_settings

RUNNING = ("active", "interrupted")
# A session drawing this much less than it may gives the rest back; at this close to its share it may want more.
SLACK_DA, NEAR_DA, MARGIN_DA = 20, 5, 10
# Raises smaller than this are not sent (every share moves a little when one session draws less);
# lowers always are.
MIN_RAISE_DA = 10


@dataclass(frozen=True, slots=True)
class Measurement:
    deciamps: int
    at: datetime


@dataclass(frozen=True, slots=True)
class ProfileSend:
    charge_point_id: uuid.UUID
    payload: dict[str, Any]
    limit_da: int
    lowers: bool  # sent before any raise
    session_id: uuid.UUID | None = None  # None: the charger-wide cap


@dataclass(slots=True)
class SitePlan:
    site_id: uuid.UUID | None
    plan: allocation.Plan
    sends: list[ProfileSend] = field(default_factory=list)


def deciamps(value: Decimal | None) -> int | None:
    return None if value is None else int(value * 10)


def from_deciamps(value: int) -> Decimal:
    return Decimal(value) / 10


def settings_of(uow: UnitOfWork, charge_point_ids: list[uuid.UUID]) -> dict[uuid.UUID, ChargerChargingSettings]:
    """Every charger's settings in one query; rows with the defaults made for those that have none.
    The dict holds the rows for the whole plan (the session's identity map only holds them weakly)."""
    found = {row.charge_point_id: row for row in uow.session.scalars(select(ChargerChargingSettings).where(
        ChargerChargingSettings.charge_point_id.in_(charge_point_ids)))} if charge_point_ids else {}
    for charge_point_id in charge_point_ids:
        if charge_point_id not in found:
            found[charge_point_id] = charger_settings(uow, charge_point_id)
    return found


def balanced_sites(uow: UnitOfWork) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant, site) of every site with load balancing on (installation scope: the job's view)."""
    rows = uow.session.execute(select(SiteChargingLimit.tenant_id, SiteChargingLimit.site_id)
                               .where(SiteChargingLimit.enabled.is_(True))).all()
    return [(tenant_id, site_id) for tenant_id, site_id in rows]


def site_of_charger(uow: UnitOfWork, *, charge_point_id: uuid.UUID) -> uuid.UUID | None:
    return uow.session.scalar(select(ChargePoint.site_id).where(ChargePoint.id == charge_point_id))


def sites_of_charger(uow: UnitOfWork, *, charge_point_id: uuid.UUID) -> set[uuid.UUID]:
    """The charger's site, and any site whose plan still holds shares for it (it moved away)."""
    found = set(uow.session.scalars(select(ChargingAllocation.site_id).where(
        ChargingAllocation.charge_point_id == charge_point_id, ChargingAllocation.site_id.is_not(None))))
    current = site_of_charger(uow, charge_point_id=charge_point_id)
    return {site for site in (*found, current) if site is not None}


def effective_limit_da(site: Site, row: SiteChargingLimit, now: datetime, horizon: float = 0.0) -> int:
    """The limit a plan made at `now` must keep until `horizon` seconds later (the next sweep)."""
    limit = lowest_limit(row.limit, row.schedule, site.time_zone, now, now + timedelta(seconds=horizon))
    return to_deciamps(limit, row.unit, phases=row.phases, voltage=row.voltage)


def reserve_da(settings: ChargerChargingSettings, connected: bool) -> int:
    """What a charger we cannot steer may draw: offline, the cap it accepted (it keeps obeying it);
    otherwise everything it can."""
    maximum = deciamps(settings.max_current_a) or 0
    if not connected and settings.control == "accepted" and settings.cap_a is not None:
        return min(maximum, deciamps(settings.cap_a) or 0)
    return maximum


def _wanted(row: ChargingAllocation | None, target: ChargingTarget | None,
            measurement: Measurement | None) -> int | None:
    if target is not None and target.reached_at is not None:
        return 0
    if row is None or row.accepted_limit_a is None or row.accepted_at is None:
        return None
    accepted = deciamps(row.accepted_limit_a) or 0
    if measurement is None or measurement.at <= row.accepted_at:
        # Nothing measured under the current share yet: keep what it has if it was capped to its demand.
        return accepted if row.reason == allocation.DEMAND else None
    if measurement.deciamps < accepted - SLACK_DA:
        return measurement.deciamps + MARGIN_DA
    if measurement.deciamps >= accepted - NEAR_DA:
        return None  # it uses all it may: it may want more
    return accepted if row.reason == allocation.DEMAND else None


def plan_site(uow: UnitOfWork, *, site_id: uuid.UUID, now: datetime, connected: Callable[[uuid.UUID], bool],
              measured: Mapping[uuid.UUID, Measurement], horizon: float = 0.0) -> SitePlan | None:
    """`horizon`: seconds until the next plan is sure to come; the schedule's lowest limit until then holds."""
    limit = uow.session.get(SiteChargingLimit, site_id)
    site = uow.session.get(Site, site_id)
    if limit is None or site is None or not limit.enabled:
        return None
    charge_points = list(uow.session.scalars(select(ChargePoint).where(
        ChargePoint.site_id == site_id, ChargePoint.registration_status == "accepted")))
    settings = settings_of(uow, [cp.id for cp in charge_points])
    online = {cp.id: connected(cp.id) for cp in charge_points}
    chargers = [allocation.Charger(
        id=cp.id, controlled=online[cp.id] and settings[cp.id].control in ("unknown", "accepted"),
        min_da=deciamps(settings[cp.id].min_current_a) or 0, max_da=deciamps(settings[cp.id].max_current_a) or 0,
        priority=settings[cp.id].priority, reserve_da=reserve_da(settings[cp.id], online[cp.id]),
    ) for cp in charge_points]
    sessions = list(uow.session.scalars(select(ChargingSession).where(
        ChargingSession.charge_point_id.in_(settings), ChargingSession.state.in_(RUNNING),
        ChargingSession.transaction_id.is_not(None)))) if settings else []
    ids = [s.id for s in sessions]
    rows = {r.session_id: r for r in uow.session.scalars(
        select(ChargingAllocation).where(ChargingAllocation.session_id.in_(ids)))} if ids else {}
    targets = {t.session_id: t for t in uow.session.scalars(
        select(ChargingTarget).where(ChargingTarget.session_id.in_(ids)))} if ids else {}
    demands = [allocation.Demand(
        session_id=s.id, charger_id=s.charge_point_id, started_at=s.started_at or s.created_at,
        wanted_da=_wanted(rows.get(s.id), targets.get(s.id), measured.get(s.id)),
    ) for s in sessions if s.charge_point_id is not None]
    result = SitePlan(site_id, allocation.plan(effective_limit_da(site, limit, now, horizon), chargers, demands))
    for charger in chargers:
        if charger.controlled:
            result.sends.extend(_cap_send(settings[charger.id], result.plan.caps[charger.id], now))
    for s in sessions:
        if s.id in result.plan.allocations:
            result.sends.extend(_session_send(uow, s, rows.get(s.id), site_id, result.plan.allocations[s.id],
                                              measured.get(s.id), now))
    uow.session.execute(delete(ChargingAllocation).where(ChargingAllocation.site_id == site_id,
                                                         ChargingAllocation.session_id.not_in(ids)))
    return result


def _cap_send(settings: ChargerChargingSettings, cap_da: int, now: datetime) -> list[ProfileSend]:
    accepted = deciamps(settings.cap_a) if settings.control == "accepted" else None
    if accepted is not None and accepted <= cap_da < accepted + MIN_RAISE_DA:
        return []  # a raise this small is not worth a message: it keeps the lower limit, which is safe
    # A charger we stopped counting on (it reconnected, or refused since) still follows the cap it
    # last accepted: a higher one is a raise, sent only once the others are lowered.
    last = deciamps(settings.cap_a)
    return [ProfileSend(settings.charge_point_id, profiles.charger_cap(cap_da, now=now), cap_da,
                        lowers=last is None or cap_da < last)]


def _session_send(uow: UnitOfWork, session: ChargingSession, row: ChargingAllocation | None,
                  site_id: uuid.UUID | None, planned: tuple[int, str], measurement: Measurement | None,
                  now: datetime) -> list[ProfileSend]:
    limit_da, reason = planned
    assert session.charge_point_id is not None and session.transaction_id is not None
    if row is None:
        row = ChargingAllocation(session_id=session.id, charge_point_id=session.charge_point_id,
                                 connector_id=session.connector_id, state="pending")
        uow.session.add(row)
    row.site_id, row.limit_a, row.reason, row.updated_at = site_id, from_deciamps(limit_da), reason, now
    if measurement is not None:
        row.measured_a, row.measured_at = from_deciamps(measurement.deciamps), measurement.at
    accepted = deciamps(row.accepted_limit_a) if row.state == "accepted" else None
    if accepted is not None and accepted <= limit_da < accepted + MIN_RAISE_DA:
        return []
    row.state = "pending"
    payload = profiles.session_limit(limit_da, connector_id=session.connector_id,
                                     transaction_id=session.transaction_id)
    last = deciamps(row.accepted_limit_a)  # in force on the charger until it accepts another (as for caps)
    return [ProfileSend(session.charge_point_id, payload, limit_da, lowers=last is None or limit_da < last,
                        session_id=session.id)]


def record_answer(uow: UnitOfWork, *, send: ProfileSend, status: str | None, detail: str | None,
                  now: datetime) -> bool:
    """Keep what the charger did with a profile; True when it no longer follows us (plan again)."""
    settings = charger_settings(uow, send.charge_point_id)
    if status == "Accepted":
        if send.session_id is None:
            settings.cap_a, settings.cap_sent_at = from_deciamps(send.limit_da), now
            settings.control, settings.control_detail = "accepted", None
        else:
            row = uow.session.get(ChargingAllocation, send.session_id)
            if row is not None:
                row.state, row.accepted_limit_a, row.accepted_at = "accepted", from_deciamps(send.limit_da), now
        return False
    if send.session_id is not None and (row := uow.session.get(ChargingAllocation, send.session_id)) is not None:
        row.state = "failed" if status is None else "rejected"
    # One refused or lost profile and the charger is counted at what it may draw on its own.
    settings.control = "unreachable" if status is None else "rejected"
    settings.control_detail = (detail or f"SetChargingProfile answered {status}")[:300]
    return True


def retry_unreachable(uow: UnitOfWork, *, site_id: uuid.UUID) -> None:
    """Chargers whose last send failed (a timeout, a busy link) are tried again at the periodic sweep,
    not at every plan: each failure may cost a whole call timeout."""
    for settings in uow.session.scalars(
            select(ChargerChargingSettings).join(ChargePoint, ChargePoint.id == ChargerChargingSettings.charge_point_id)
            .where(ChargePoint.site_id == site_id, ChargerChargingSettings.control == "unreachable")):
        settings.control = "unknown"


def charger_connected(uow: UnitOfWork, *, charge_point_id: uuid.UUID) -> uuid.UUID | None:
    """A charger (re)connected: try steering it again, and resend everything (it may have rebooted)."""
    settings = uow.session.get(ChargerChargingSettings, charge_point_id)
    if settings is not None:
        settings.control, settings.control_detail = "unknown", None
    for row in uow.session.scalars(select(ChargingAllocation)
                                   .where(ChargingAllocation.charge_point_id == charge_point_id)):
        row.state = "pending"
    return site_of_charger(uow, charge_point_id=charge_point_id)
