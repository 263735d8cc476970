"""Charge detail records: what a completed session cost, issued once at its stop, never changed.

- `issue_cdr` runs inside the StopTransaction's unit of work (the OCPP hot path), only when that stop
  completes the session: a re-sent stop finds the session completed and issues nothing, and the
  CDRs' unique (session_id, version) makes a second version 1 impossible anyway.
- An orphan stop (a stop whose start never arrived) gets no CDR: no start, no meter start and no
  frozen tariff leave nothing to price. It stays an abnormal session for the operator.
- A session without a frozen tariff gets a zero-cost CDR in the tenant's currency that still records
  its energy, times and charging periods (a CDR per session keeps the records complete).
- A session whose meter cannot be believed (stop below start, a register going backwards, negative
  readings, stopped before it started, implausible power) gets a zero-cost CDR: never a negative or
  invented bill; it is marked abnormal here if the stop had not (only pricing reads every register).
  Every abnormal session's first CDR is flagged for review; the review is a correction.
- `correct_cdr` adds version + 1 (re-priced, with the tariff given or the one priced before) naming the
  record it corrects, and audits it. There is no update path.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import pairwise
from typing import Any, TypeVar

from sqlalchemy import func, select

from chargeplane.db import UnitOfWork
from chargeplane.domain.audit.service import record
from chargeplane.domain.errors import Conflict, Invalid, NotFound
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.pricing.cdr_schemas import money
from chargeplane.domain.pricing.engine import Cost, lines_to_json, periods_to_json, price
from chargeplane.domain.pricing.models import ChargeDetailRecord
from chargeplane.domain.pricing.spec import TariffSpec, spec_from_json
from chargeplane.domain.pricing.timeline_source import (
    Reading,
    build_timeline,
    load_readings,
    load_statuses,
    readings_of,
)
from chargeplane.domain.sessions.models import ChargingSession
from chargeplane.domain.sessions.readings import MeterReading
from chargeplane.domain.sessions.rules import energy_and_anomalies
from chargeplane.domain.tenancy.models import Tenant

T = TypeVar("T")


def issue_cdr(uow: UnitOfWork, *, session_id: uuid.UUID, now: datetime,
              received: Sequence[MeterReading] = ()) -> ChargeDetailRecord | None:
    """The first CDR of a just completed session (None for an orphan stop, or if it already has one).

    `received` are readings that came with the stop itself (transactionData): not stored yet, as hot
    rows are written at the end of the batch, so they are priced from here."""
    s = uow.session
    session = s.get(ChargingSession, session_id)
    if session is None or session.state != "completed" or session.meter_start_wh is None:
        return None
    if s.scalar(select(ChargeDetailRecord.id).where(ChargeDetailRecord.session_id == session_id).limit(1)):
        return None
    readings = [*load_readings(uow, session), *readings_of(received)]
    snapshot = session.tariff_snapshot
    spec = _free(_tenant_currency(uow)) if snapshot is None else spec_from_json(snapshot)
    problems = meter_problems(session, readings)
    if problems:
        spec = _free(spec.currency)  # recorded, never billed: the review is a correction
        _flag_abnormal(session, problems)
    cost = _price(uow, session, readings, spec, snapshot)
    cdr = _new_record(session, cost, snapshot, readings, now=now, version=1)
    s.add(cdr)
    return cdr


def correct_cdr(uow: UnitOfWork, *, cdr_id: uuid.UUID, reason: str, tariff_snapshot: dict[str, Any] | None = None,
                actor: Principal | None, now: datetime) -> ChargeDetailRecord:
    """A new version of the session's CDR, re-priced from its stored readings; the corrected one stays as it was.

    `tariff_snapshot` (OCPI tariff JSON, optionally with `discount_percent`) replaces the tariff priced
    before; without it the same tariff prices the session again (after a late reading, or a review)."""
    s = uow.session
    previous = s.get(ChargeDetailRecord, cdr_id)
    if previous is None:
        raise NotFound("charge detail record not found", cdr_id=str(cdr_id))
    latest = s.scalar(select(func.max(ChargeDetailRecord.version))
                      .where(ChargeDetailRecord.session_id == previous.session_id))
    if latest != previous.version:
        raise Conflict("version %(version)s was already corrected (the latest is version %(latest_version)s); "
                       "correct the latest version", cdr_id=str(cdr_id), latest_version=latest,
                       version=previous.version)
    if not reason.strip():
        raise Invalid("a correction needs a reason", field="reason")
    session = s.get(ChargingSession, previous.session_id)
    if session is None:
        raise NotFound("the CDR's session is gone", cdr_id=str(cdr_id))
    snapshot = previous.tariff_snapshot
    if tariff_snapshot is not None:
        _prefixed(lambda: spec_from_json(tariff_snapshot), "tariff")
        discount = tariff_snapshot.get("discount_percent", (snapshot or {}).get("discount_percent", "0"))
        snapshot = {**tariff_snapshot, "discount_percent": str(discount),
                    "why": tariff_snapshot.get("why", f"corrected: {reason.strip()}")}
    spec = _free(previous.currency) if snapshot is None else spec_from_json(snapshot)
    readings = load_readings(uow, session)
    cost = _prefixed(lambda: _price(uow, session, readings, spec, snapshot), "tariff")
    cdr = _new_record(session, cost, snapshot, readings, now=now, version=previous.version + 1)
    cdr.corrects_id, cdr.reason = previous.id, reason.strip()
    s.add(cdr)
    s.flush()
    record(uow, actor=actor, action="cdr.correct", object_type="cdr", object_id=cdr.id, at=now,
           account_id=cdr.account_id, before=_audited(previous), after={**_audited(cdr), "reason": cdr.reason})
    return cdr


def meter_problems(session: ChargingSession, readings: Sequence[Reading]) -> list[str]:
    """Why the meter cannot be believed, if it cannot: such a session is recorded at zero cost."""
    if session.meter_stop_wh is None or session.meter_start_wh is None or session.stopped_at is None:
        return ["the session has no meter start or stop"]
    _, problems = energy_and_anomalies(meter_start_wh=session.meter_start_wh, meter_stop_wh=session.meter_stop_wh,
                                       started_at=session.started_at, stopped_at=session.stopped_at, stop_reason="")
    if session.meter_start_wh < 0:
        problems.append("negative meter start")
    registers = [r.register_wh for r in sorted(readings, key=lambda r: r.at) if r.register_wh is not None]
    chain = [session.meter_start_wh, *registers, session.meter_stop_wh]
    if any(b < a for a, b in pairwise(chain)):
        problems.append("the energy register went backwards")
    return problems


def _flag_abnormal(session: ChargingSession, problems: list[str]) -> None:
    """The stop judged the meter start and stop; a register that went backwards shows only here."""
    known = session.status_reason or ""
    new = [p for p in problems if p not in known]
    if session.status == "abnormal" and not new:
        return
    reasons = [known] if session.status == "abnormal" and known else []
    session.status, session.status_reason = "abnormal", "; ".join(reasons + new)


def _price(uow: UnitOfWork, session: ChargingSession, readings: Sequence[Reading], spec: TariffSpec,
           snapshot: dict[str, Any] | None) -> Cost:
    timeline = build_timeline(session, readings, load_statuses(uow, session, None))
    discount = discount_of(snapshot)
    return price(spec, timeline, discount_percent=discount)


def discount_of(snapshot: dict[str, Any] | None) -> Decimal:
    raw = (snapshot or {}).get("discount_percent") or "0"
    try:
        return Decimal(str(raw))
    except ArithmeticError:
        raise Invalid("discount_percent %(raw)r is not a number", field="discount_percent", raw=raw) from None


def _free(currency: str) -> TariffSpec:
    return TariffSpec(currency=currency, elements=())


def _tenant_currency(uow: UnitOfWork) -> str:
    tenant = uow.session.get(Tenant, uow.tenant_id)
    return tenant.currency if tenant is not None else "EUR"


def _new_record(session: ChargingSession, cost: Cost, snapshot: dict[str, Any] | None, readings: Sequence[Reading],
                *, now: datetime, version: int) -> ChargeDetailRecord:
    excl = cost.total_cost.excl_vat
    incl = cost.total_cost.incl_vat if cost.total_cost.incl_vat is not None else excl
    return ChargeDetailRecord(
        account_id=session.account_id, session_id=session.id, version=version, created_at=now,
        currency=cost.currency, tariff_snapshot=snapshot, periods=periods_to_json(cost.periods),
        lines=lines_to_json(cost.lines), total_excl_vat=excl, total_vat=incl - excl, total_incl_vat=incl,
        total_energy_wh=cost.total_energy_wh, total_time_s=cost.total_time_s, total_parking_s=cost.total_parking_s,
        started_at=session.started_at, stopped_at=session.stopped_at,
        charge_point_identity=session.charge_point_identity, id_tag=session.id_tag,
        signed_data=[value for r in sorted(readings, key=lambda r: r.at) for value in r.signed],
    )


def _audited(cdr: ChargeDetailRecord) -> dict[str, Any]:
    return {"version": cdr.version, "currency": cdr.currency, "total_excl_vat": money(cdr.total_excl_vat, cdr.currency),
            "total_vat": money(cdr.total_vat, cdr.currency),
            "total_incl_vat": money(cdr.total_incl_vat, cdr.currency),
            "tariff_snapshot": cdr.tariff_snapshot}


def _prefixed(fn: Callable[[], T], prefix: str) -> T:
    """An `Invalid` about the tariff given in a request names the field inside the request's body."""
    try:
        return fn()
    except Invalid as error:
        field = error.details.get("field")
        error.details["field"] = f"{prefix}.{field}" if field else prefix
        raise
