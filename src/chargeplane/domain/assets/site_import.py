"""Importing sites from a CSV or XLSX file: all rows or none, like the card import
(`domain.tokens.importing`).

Each row is checked by the same rules as a site created one by one (`SiteCreate`, a real time zone,
an owning account the caller sees); one problem anywhere and nothing is imported, the answer listing
every problem by row and column. Then each row becomes a site, audited as if created by hand, in
one unit of work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets import management, service
from chargeplane.domain.assets.schemas import SiteCreate
from chargeplane.domain.errors import DomainError, Invalid
from chargeplane.domain.identity.contact import check_time_zone
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.tabular import ImportRejected, RowError, read_table

COLUMNS = ("name", "address", "latitude", "longitude", "time_zone", "account_id")


@dataclass(slots=True)
class SiteRow:
    row: int
    values: dict[str, str]
    site: SiteCreate | None = None
    errors: list[RowError] = field(default_factory=list)


def read_rows(content: bytes, *, filename: str | None, content_type: str | None) -> list[SiteRow]:
    """The file's data rows (blank ones skipped), each checked on its own (no database needed)."""
    rows = [SiteRow(number, values) for number, values in
            read_table(content, filename=filename, content_type=content_type, columns=COLUMNS, what="sites")]
    for row in rows:
        try:
            row.site = SiteCreate.model_validate(row.values)
        except ValidationError as problems:
            for problem in problems.errors():
                column = str(problem["loc"][0]) if problem["loc"] else None
                row.errors.append(_row_error(row.row, column, problem))
    return rows


def _row_error(row: int, column: str | None, problem: ErrorDetails) -> RowError:
    message = problem["msg"]
    if column in ("latitude", "longitude") and "number" in message:
        return RowError.of(row, column, Invalid("%(column)s must be a number in degrees, such as 59.437",
                                                column=column))
    if column == "account_id" and "UUID" in message:
        return RowError.of(row, column, Invalid("account_id must be an account's id (a UUID)"))
    return RowError(row, column, message, problem)


def import_sites(uow: UnitOfWork, rows: list[SiteRow], *, actor: Principal, now: datetime) -> int:
    """Add every row as a site, or none: raises `ImportRejected` listing every problem."""
    errors: list[RowError] = []
    for row in rows:
        _check(row, "time_zone", check_time_zone, row.values.get("time_zone", "UTC"))
        if row.site is not None:  # the account id is well-formed: is it an account the caller may use?
            _check(row, "account_id", service.check_owner, uow, row.site.account_id)
        errors.extend(row.errors)
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.row, COLUMNS.index(e.column)
                                                           if e.column in COLUMNS else -1)))
    for row in rows:
        assert row.site is not None
        management.create_site(uow, fields=row.site.model_dump(), actor=actor, now=now)
    return len(rows)


def _check(row: SiteRow, column: str, check: Callable[..., object], *args: Any) -> None:
    try:
        check(*args)
    except DomainError as problem:
        row.errors.append(RowError.of(row.row, column, problem))
