"""Usage and revenue: sessions, energy, distinct drivers and fees per period (day, week, month) and per
site, charge point, account or customer group, with totals; the daily consumption summary is its
`Period.DAY` form. A session counts on the local day it started; fees are its latest CDR's totals.

Two grouped queries per answer (sessions, then fees per currency) and the same two for the totals:
distinct drivers do not add up across rows, so the totals are counted, not summed."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, String, and_, cast, distinct, func, literal_column, or_, select
from sqlalchemy.orm import aliased

from chargeplane.db import UnitOfWork
from chargeplane.domain.access.models import CustomerGroup, CustomerGroupMember
from chargeplane.domain.assets.models import ChargePoint, Site
from chargeplane.domain.pricing.models import ChargeDetailRecord
from chargeplane.domain.reports.filters import narrowed, newer_version
from chargeplane.domain.reports.periods import DayRange, Period, as_date, period_start
from chargeplane.domain.reports.schemas import Fee, GroupBy, UsageReport, UsageRow, UsageTotals
from chargeplane.domain.sessions.models import ChargingSession
from chargeplane.domain.tenancy.models import Account
from chargeplane.domain.tokens.models import IdToken


@dataclass(frozen=True, slots=True)
class UsageQuery:
    days: DayRange
    group_by: GroupBy = GroupBy.CHARGE_POINT
    period: Period = Period.DAY
    site_id: uuid.UUID | None = None
    charge_point_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None


def get_usage(uow: UnitOfWork, *, query: UsageQuery) -> UsageReport:
    dialect = uow.session.get_bind().dialect.name
    rows = _grouped(uow, query, query.group_by, query.period, dialect)
    totals = _grouped(uow, query, GroupBy.NONE, Period.TOTAL, dialect)
    labels = _labels(uow, query.group_by, {key for _, key, *_ in rows if key is not None})
    total = totals[0] if totals else None
    return UsageReport(
        date_from=query.days.first, date_to=query.days.last, time_zone=query.days.zone, group_by=query.group_by,
        period=query.period.value,
        rows=sorted((UsageRow(period_start=start, key=key, label=labels.get(key, "") if key else "", sessions=n,
                              energy_wh=wh, drivers=drivers, fees=fees) for start, key, n, wh, drivers, fees in rows),
                    key=lambda row: (row.period_start, row.label, str(row.key))),
        totals=UsageTotals(sessions=total[2] if total else 0, energy_wh=total[3] if total else 0,
                           drivers=total[4] if total else 0, fees=total[5] if total else []))


Grouped = tuple[Any, uuid.UUID | None, int, int, int, list[Fee]]


def _grouped(uow: UnitOfWork, query: UsageQuery, group_by: GroupBy, period: Period, dialect: str) -> list[Grouped]:
    s = ChargingSession
    memberships = _memberships() if group_by is GroupBy.CUSTOMER_GROUP else None
    start = period_start(s.started_at, query.days, period, dialect).label("period")
    key = _key(group_by, memberships).label("key")
    # PostgreSQL refuses constants in GROUP BY: the whole range, or no grouping, is simply not grouped.
    by = [*([start] if period is not Period.TOTAL else []), *([key] if group_by is not GroupBy.NONE else [])]
    driver = func.coalesce(cast(IdToken.user_id, String), s.id_tag)
    counted = _scoped(select(start, key, func.count(s.id), func.coalesce(func.sum(s.energy_wh), 0),
                             func.count(distinct(driver)))
                      .outerjoin(IdToken, IdToken.id == s.id_token_id), query, memberships).group_by(*by)
    latest = ChargeDetailRecord
    newer = aliased(ChargeDetailRecord)
    charged = _scoped(select(start, key, latest.currency, func.sum(latest.total_excl_vat),
                             func.sum(latest.total_vat), func.sum(latest.total_incl_vat))
                      .join(latest, (latest.session_id == s.id) & (latest.version > 0))  # see transactions: the index
                      .where(~newer_version(latest, newer)), query, memberships
                      ).group_by(*by, latest.currency)
    fees: dict[tuple[Any, Any], list[Fee]] = defaultdict(list)
    for at, of, currency, excl, vat, incl in uow.session.execute(charged):
        fees[(as_date(at), of)].append(Fee(currency=currency, excl_vat=Decimal(excl), vat=Decimal(vat),
                                           incl_vat=Decimal(incl)))
    out = [(as_date(at), of, n, int(wh), drivers, sorted(fees.get((as_date(at), of), []), key=lambda f: f.currency))
           for at, of, n, wh, drivers in uow.session.execute(counted)]
    return out


def _key(group_by: GroupBy, memberships: Any) -> Any:
    match group_by:
        case GroupBy.SITE:
            return ChargePoint.site_id
        case GroupBy.CHARGE_POINT:
            return ChargingSession.charge_point_id
        case GroupBy.ACCOUNT:
            return ChargingSession.account_id
        case GroupBy.CUSTOMER_GROUP:
            return memberships.c.group_id
    return literal_column("NULL")


def _memberships() -> Any:
    """Each (customer group, card) once: a card is in a group itself or through its user."""
    member = CustomerGroupMember
    return (select(member.group_id, IdToken.id.label("id_token_id")).distinct()
            .join(IdToken, or_(member.id_token_id == IdToken.id,
                               and_(member.user_id.is_not(None), member.user_id == IdToken.user_id)))
            .subquery("memberships"))


def _scoped(q: Select[Any], query: UsageQuery, memberships: Any) -> Select[Any]:
    s = ChargingSession
    q = q.select_from(s).where(s.started_at >= query.days.start, s.started_at < query.days.end)
    if query.group_by is GroupBy.SITE or query.site_id is not None:
        q = q.outerjoin(ChargePoint, ChargePoint.id == s.charge_point_id)
    if memberships is not None:
        q = q.join(memberships, memberships.c.id_token_id == s.id_token_id)
    return narrowed(q, charge_point_id=query.charge_point_id, site_id=query.site_id, account_id=query.account_id)


def _labels(uow: UnitOfWork, group_by: GroupBy, keys: Sequence[uuid.UUID] | set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not keys:
        return {}
    model: Any = {GroupBy.SITE: Site, GroupBy.CHARGE_POINT: ChargePoint, GroupBy.ACCOUNT: Account,
                  GroupBy.CUSTOMER_GROUP: CustomerGroup}.get(group_by)
    if model is None:
        return {}
    name = model.identity if model is ChargePoint else model.name
    return dict(uow.session.execute(select(model.id, name).where(model.id.in_(keys))).tuples().all())
