"""Invoice numbers without gaps: one counter row per issuer, series and year, incremented by an atomic
UPDATE ... RETURNING inside the issuing transaction. Concurrent issuers on PostgreSQL queue on the
row's lock; a rollback takes the increment back with the invoice, so no number is ever skipped."""

from __future__ import annotations

from sqlalchemy import update

from chargeplane.db import UnitOfWork
from chargeplane.db.base import new_id
from chargeplane.db.upsert import insert_ignoring_duplicates
from chargeplane.domain.billing.models import InvoiceSequence

SERIES = {"invoice": "INV", "credit_note": "CN"}


def next_number(uow: UnitOfWork, *, issuer_key: str, kind: str, year: int) -> str:
    series = SERIES[kind]
    value = _increment(uow, issuer_key, series, year)
    if value is None:
        # The first number of the year: create the counter (another issuer may race us to it).
        insert_ignoring_duplicates(
            uow.session, InvoiceSequence,
            [{"id": new_id(), "tenant_id": uow.tenant_id, "issuer_key": issuer_key, "series": series, "year": year,
              "last_value": 0}],
            unique=("tenant_id", "issuer_key", "series", "year"))
        value = _increment(uow, issuer_key, series, year)
        assert value is not None
    return f"{series}-{year}-{value:06d}"


def _increment(uow: UnitOfWork, issuer_key: str, series: str, year: int) -> int | None:
    stmt = (
        update(InvoiceSequence)
        .where(InvoiceSequence.issuer_key == issuer_key, InvoiceSequence.series == series,
               InvoiceSequence.year == year)
        .values(last_value=InvoiceSequence.last_value + 1)
        .returning(InvoiceSequence.last_value)
        .execution_options(synchronize_session=False)
    )
    value: int | None = uow.session.execute(stmt).scalar_one_or_none()
    return value
