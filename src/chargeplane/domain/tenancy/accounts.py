"""Accounts and sub-accounts: creation, the rules every account keeps, changes and removal."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import Forbidden, Invalid, NotFound
from chargeplane.domain.identity.contact import normalize_email
from chargeplane.domain.tenancy.currencies import normalise_currency
from chargeplane.domain.tenancy.iban import normalise_iban
from chargeplane.domain.tenancy.models import Account

KINDS = ("standard", "business", "consumer")
RELATIONS = ("employee", "subsidiary")
BUSINESS_FIELDS = ("legal_name", "registration_number", "vat_number", "billing_address")
# EU VIES style: a two-letter country prefix, then 2 to 13 letters or digits.
_VAT = re.compile(r"^[A-Z]{2}[A-Z0-9]{2,13}$")
_MAX_RATE = Decimal("1e8")  # Numeric(12, 4): eight digits before the point
# The settings a caller may change after creation; parent and tenant are fixed.
EDITABLE = ("name", "kind", "relation", *BUSINESS_FIELDS, "email", "reimbursement_rate", "reimbursement_currency",
            "payee_iban")


def create_account(uow: UnitOfWork, *, name: str, kind: str, parent_id: uuid.UUID | None = None,
                   relation: str | None = None, legal_name: str | None = None,
                   registration_number: str | None = None, vat_number: str | None = None,
                   billing_address: str | None = None, email: str | None = None,
                   reimbursement_rate: Decimal | str | None = None, reimbursement_currency: str | None = None,
                   payee_iban: str | None = None) -> Account:
    """A new account, top-level or nested under `parent_id` (which the scope must see)."""
    if parent_id is None and uow.scope.accounts is not None:
        raise Forbidden("an account admin creates sub-accounts under its own accounts only: give parent_id")
    if parent_id is not None:
        get_account(uow, parent_id, field="parent_id")
    account = Account(parent_id=parent_id)
    apply_settings(account, {
        "name": name, "kind": kind, "relation": relation, "legal_name": legal_name,
        "registration_number": registration_number, "vat_number": vat_number, "billing_address": billing_address,
        "email": email, "reimbursement_rate": reimbursement_rate, "reimbursement_currency": reimbursement_currency,
        "payee_iban": payee_iban})
    uow.session.add(account)
    uow.session.flush()
    return account


def get_account(uow: UnitOfWork, account_id: uuid.UUID, *, field: str | None = None) -> Account:
    """An account the scope sees. A query, not `session.get`: the identity map would skip the gate."""
    account = uow.session.scalar(select(Account).where(Account.id == account_id))
    if account is None:
        raise NotFound("account not found", **({"field": field} if field else {}))
    return account


def apply_settings(account: Account, values: Mapping[str, Any]) -> None:
    """Set the given settings, normalised, then check the account as a whole."""
    for name, value in values.items():
        if name not in EDITABLE:
            raise Invalid("%(field)s cannot be changed", field=name)
        clean = _normalise(name, value)
        limit = getattr(Account.__table__.c[name].type, "length", None)
        if isinstance(clean, str) and limit is not None and len(clean) > limit:
            raise Invalid("%(field)s is longer than %(limit)s characters", field=name, limit=limit)
        setattr(account, name, clean)
    check_account(account)


def check_account(account: Account) -> None:
    if not account.name:
        raise Invalid("name must not be empty", field="name")
    if account.kind not in KINDS:
        raise Invalid("kind must be one of %(allowed)s", field="kind", allowed=", ".join(KINDS))
    if account.kind == "business":
        for name in BUSINESS_FIELDS:
            if not getattr(account, name):
                raise Invalid("a business account needs %(needed)s", field=name, needed=name.replace("_", " "))
    if account.parent_id is None and account.relation is not None:
        raise Invalid("only a sub-account (with parent_id) has a relation", field="relation")
    if account.parent_id is not None and account.relation is None:
        raise Invalid("a sub-account needs a relation to its parent: %(relations)s", field="relation",
                      relations=" or ".join(RELATIONS))
    if (account.reimbursement_rate is None) != (account.reimbursement_currency is None):
        field = "reimbursement_currency" if account.reimbursement_currency is None else "reimbursement_rate"
        raise Invalid("a reimbursement rate and its currency go together", field=field)


def _normalise(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "reimbursement_rate":
        return _rate(value)
    text = str(value).strip()
    if name in ("name", "kind"):
        return text
    if not text:
        return None
    if name == "relation":
        if text not in RELATIONS:
            raise Invalid("relation must be one of %(allowed)s", field="relation", allowed=", ".join(RELATIONS))
        return text
    if name == "vat_number":
        vat = re.sub(r"[\s.-]+", "", text).upper()
        if not _VAT.match(vat):
            raise Invalid("a VAT number is a two-letter country prefix and 2 to 13 letters or digits (EE123456789)",
                          field="vat_number")
        return vat
    if name == "email":
        return normalize_email(text)
    if name == "reimbursement_currency":
        return normalise_currency(text, field="reimbursement_currency")
    if name == "payee_iban":
        return normalise_iban(text)
    return text


def _rate(value: Decimal | str | int) -> Decimal:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise Invalid("reimbursement rate must be a number", field="reimbursement_rate") from None
    exponent = rate.as_tuple().exponent
    if not rate.is_finite() or not isinstance(exponent, int):
        raise Invalid("reimbursement rate must be a number", field="reimbursement_rate")
    if rate < 0:
        raise Invalid("reimbursement rate must not be negative", field="reimbursement_rate")
    if exponent < -4 and rate != rate.quantize(Decimal("0.0001")):
        raise Invalid("reimbursement rate has at most 4 decimals", field="reimbursement_rate")
    if rate >= _MAX_RATE:
        raise Invalid("reimbursement rate is too large", field="reimbursement_rate")
    return rate.quantize(Decimal("0.0001"))


def account_settings(account: Account) -> dict[str, Any]:
    """What the audit log keeps of an account."""
    return {"parent_id": account.parent_id} | {name: getattr(account, name) for name in EDITABLE}
