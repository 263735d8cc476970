"""Importing cards from a CSV or XLSX file: all rows or none.

Every row is checked first (its own fields, duplicates inside the file, cards that already exist,
holders and accounts the caller may use); one error anywhere and nothing is imported, the answer
listing each problem by row and column. The rows are then added in one unit of work.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from chargeplane.db import UnitOfWork
from chargeplane.domain.access.reach import account_in_reach, user_by_email_in_reach
from chargeplane.domain.audit.service import record
from chargeplane.domain.errors import Conflict, Invalid
from chargeplane.domain.identity.contact import email_key
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.tabular import ImportRejected, RowError, read_table
from chargeplane.domain.tokens.authorization import uid_key
from chargeplane.domain.tokens.contract_ids import normalise_contract_id
from chargeplane.domain.tokens.models import IdToken
from chargeplane.domain.tokens.service import check_kind, check_status, check_uid, new_virtual_uid

T = TypeVar("T")

COLUMNS = ("uid", "kind", "status", "expires_at", "contract_id", "label", "user_email", "account_id", "parent_uid")


@dataclass(slots=True)
class CardRow:
    row: int
    values: dict[str, str]
    kind: str = "physical"
    uid: str | None = None
    status: str = "accepted"
    expires_at: datetime | None = None
    contract_id: str | None = None
    label: str | None = None
    parent_uid: str | None = None
    account_id: uuid.UUID | None = None
    errors: list[RowError] = field(default_factory=list)


def read_rows(content: bytes, *, filename: str | None, content_type: str | None) -> list[CardRow]:
    """The file's data rows (blank ones skipped), keyed by the header's column names."""
    return [CardRow(number, values) for number, values in
            read_table(content, filename=filename, content_type=content_type, columns=COLUMNS, what="cards")]


def check_rows(rows: list[CardRow]) -> None:
    """Each row's own fields and the file's duplicates; what needs the database comes later."""
    first_uid: dict[str, int] = {}
    first_contract: dict[str, int] = {}
    for row in rows:
        for column, parse in _PARSERS.items():
            value = row.values.get(column)
            if value is not None:
                try:
                    setattr(row, column, parse(value))
                except Invalid as problem:
                    row.errors.append(RowError.of(row.row, column, problem))
        _check_uid(row)
        if row.uid is not None:
            _once(row, "uid", uid_key(row.uid), first_uid)
        if row.contract_id is not None:
            _once(row, "contract_id", row.contract_id, first_contract)


def _check_uid(row: CardRow) -> None:
    uid = row.values.get("uid")
    if row.kind == "virtual":
        if uid is not None:
            row.errors.append(RowError.of(row.row, "uid", Invalid("a virtual card's uid is generated: leave it empty")))
        row.uid = new_virtual_uid()
    elif uid is None:
        row.errors.append(RowError.of(row.row, "uid", Invalid("uid is required for a physical card")))
    else:
        try:
            row.uid = check_uid(uid)
        except Invalid as problem:
            row.errors.append(RowError.of(row.row, "uid", problem))


def _once(row: CardRow, column: str, key: str, seen: dict[str, int]) -> None:
    if key in seen:
        row.errors.append(RowError.of(row.row, column, Invalid("the same %(column)s is in row %(first)s",
                                                                column=column, first=seen[key])))
    else:
        seen[key] = row.row


def _timestamp(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise Invalid("expires_at must be an ISO 8601 time, e.g. 2030-12-31T23:59:59Z") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)  # no zone: UTC


def _label(value: str) -> str:
    if len(value) > 100:
        raise Invalid("label must be at most 100 characters")
    return value


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Invalid("account_id must be an account's id (a UUID)") from None


_PARSERS: dict[str, Callable[[str], Any]] = {
    "kind": lambda v: check_kind(v.lower()),
    "status": lambda v: check_status(v.lower()),
    "expires_at": _timestamp,
    "contract_id": normalise_contract_id,
    "label": _label,
    "parent_uid": lambda v: check_uid(v, "parent_uid"),
    "account_id": _uuid,
}


def taken(uow: UnitOfWork, rows: Iterable[CardRow]) -> tuple[set[str], set[str]]:
    """Which uids (as keys) and contract ids of the rows the tenant already has.

    Run with the whole tenant's scope: both are unique in the tenant, also among cards of accounts
    the caller does not see. Only which of the caller's own values exist comes back."""
    rows = list(rows)
    keys = [uid_key(r.uid) for r in rows if r.uid is not None]
    contracts = [r.contract_id for r in rows if r.contract_id is not None]
    found_keys: set[str] = set()
    found_contracts: set[str] = set()
    for chunk in _chunks(keys):
        found_keys |= set(uow.session.scalars(select(IdToken.uid_key).where(IdToken.uid_key.in_(chunk))))
    for chunk in _chunks(contracts):
        found_contracts |= {c for c in uow.session.scalars(
            select(IdToken.contract_id).where(IdToken.contract_id.in_(chunk))) if c is not None}
    return found_keys, found_contracts


def _chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def import_cards(uow: UnitOfWork, rows: list[CardRow], *, existing: tuple[set[str], set[str]],
                 actor: Principal, now: datetime, filename: str | None) -> int:
    """Add every row as a card, or none: raises `ImportRejected` listing every problem."""
    uids, contracts = existing
    users: dict[str, uuid.UUID] = {}
    errors: list[RowError] = []
    for row in rows:
        if row.uid is not None and row.kind == "physical" and uid_key(row.uid) in uids:
            row.errors.append(RowError.of(row.row, "uid", Conflict("a card with this uid exists")))
        if row.contract_id is not None and row.contract_id in contracts:
            row.errors.append(RowError.of(row.row, "contract_id", Conflict("a card with this contract id exists")))
        _resolve(row, "account_id", _account, uow, row, actor)
        email = email_key(row.values.get("user_email", ""))
        if email and email not in users:
            holder = _resolve(row, "user_email", _holder, uow, email)
            if holder is not None:
                users[email] = holder
        errors.extend(row.errors)
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.row, COLUMNS.index(e.column) if e.column else -1)))
    tokens = [IdToken(uid=r.uid, uid_key=uid_key(r.uid or ""), kind=r.kind, status=r.status, expires_at=r.expires_at,
                      contract_id=r.contract_id, label=r.label, parent_uid=r.parent_uid, account_id=r.account_id,
                      user_id=users.get(email_key(r.values["user_email"])) if "user_email" in r.values else None)
              for r in rows]
    uow.session.add_all(tokens)
    try:
        with uow.session.begin_nested():
            uow.session.flush()
    except IntegrityError:
        raise Conflict("cards with some of these uids or contract ids were added meanwhile: import again") from None
    # One entry per account imported into (a narrowed caller's entries must name one of their accounts).
    for account_id, count in Counter(t.account_id for t in tokens).items():
        record(uow, actor=actor, action="id_token.import", object_type="id_token", object_id=None, at=now,
               account_id=account_id, after={"file": filename, "count": count})
    return len(tokens)


def _resolve(row: CardRow, column: str, check: Callable[..., T], *args: Any) -> T | None:
    try:
        return check(*args)
    except Invalid as problem:
        row.errors.append(RowError.of(row.row, column, problem))
        return None


def _account(uow: UnitOfWork, row: CardRow, actor: Principal) -> None:
    if "account_id" in row.values and row.account_id is None:
        return  # not a UUID: reported already
    row.account_id = account_in_reach(uow, row.account_id, actor=actor)


def _holder(uow: UnitOfWork, email: str) -> uuid.UUID:
    return user_by_email_in_reach(uow, email, field="user_email").id
