"""Who issues and who pays: the issuer's billing profile (falling back on the account's or tenant's own
fields) and the payer's name, address and language, as plain values for the invoice and its PDF."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.billing.models import BillingProfile
from chargeplane.domain.billing.regions import get_region
from chargeplane.domain.errors import Forbidden, Invalid, NotFound
from chargeplane.domain.identity.models import User
from chargeplane.domain.tenancy.iban import normalise_iban
from chargeplane.domain.tenancy.models import Account, Tenant

PROFILE_FIELDS = ("region", "legal_name", "address", "registration_number", "vat_number", "iban", "email",
                  "payment_days")


@dataclass(frozen=True, slots=True)
class Issuer:
    key: str
    account_id: uuid.UUID | None
    region: str
    name: str
    address: str | None
    registration_number: str | None
    vat_number: str | None
    iban: str | None
    email: str | None
    payment_days: int


@dataclass(frozen=True, slots=True)
class Payer:
    account_id: uuid.UUID | None
    user_id: uuid.UUID | None
    name: str
    email: str | None
    details: str | None
    language: str


def issuer_key(account_id: uuid.UUID | None) -> str:
    return "tenant" if account_id is None else str(account_id)


def get_profile(uow: UnitOfWork, account_id: uuid.UUID | None) -> BillingProfile | None:
    found: BillingProfile | None = uow.session.scalar(
        select(BillingProfile).where(BillingProfile.issuer_key == issuer_key(account_id)))
    return found


def check_issuer(uow: UnitOfWork, account_id: uuid.UUID | None) -> None:
    """Account staff act for their own accounts only (the gate hides the others); the tenant's staff
    for the tenant too."""
    if account_id is None and uow.scope.accounts is not None:
        raise Forbidden("only the tenant's staff invoice in the tenant's name")


def set_profile(uow: UnitOfWork, *, account_id: uuid.UUID | None, changes: Mapping[str, Any]) -> BillingProfile:
    check_issuer(uow, account_id)
    if account_id is not None and uow.session.get(Account, account_id) is None:
        raise NotFound("account not found")
    profile = get_profile(uow, account_id)
    if profile is None:
        profile = BillingProfile(account_id=account_id, issuer_key=issuer_key(account_id))
        uow.session.add(profile)
    for name, value in changes.items():
        if name not in PROFILE_FIELDS:
            raise Invalid("%(field)s is not a billing setting", field=name)
        setattr(profile, name, _clean(name, value))
    uow.session.flush()
    return profile


def _clean(name: str, value: Any) -> Any:
    if name == "region":
        return get_region(str(value)).code
    if name == "payment_days":
        days = int(value)
        if not 0 <= days <= 365:
            raise Invalid("payment_days must be between 0 and 365", field=name)
        return days
    text = str(value).strip() if value is not None else ""
    if name == "iban" and text:
        return normalise_iban(text)
    return text or None


def issuer(uow: UnitOfWork, account_id: uuid.UUID | None) -> Issuer:
    profile = get_profile(uow, account_id)
    if account_id is None:
        tenant = uow.session.get(Tenant, uow.tenant_id)
        assert tenant is not None
        base: dict[str, Any] = {"name": tenant.display_name or tenant.name, "email": tenant.support_email}
    else:
        account = uow.session.get(Account, account_id)
        if account is None:
            raise NotFound("account not found")
        base = {"name": account.legal_name or account.name, "address": account.billing_address,
                "registration_number": account.registration_number, "vat_number": account.vat_number,
                "iban": account.payee_iban, "email": account.email}
    own = {} if profile is None else {name: getattr(profile, name) for name in PROFILE_FIELDS}
    if profile is not None and profile.legal_name:
        own["name"] = profile.legal_name

    def pick(name: str, default: Any = None) -> Any:
        value = own.get(name)
        return value if value not in (None, "") else base.get(name, default)

    return Issuer(key=issuer_key(account_id), account_id=account_id, region=pick("region", "EU"), name=pick("name"),
                  address=pick("address"), registration_number=pick("registration_number"),
                  vat_number=pick("vat_number"), iban=pick("iban"), email=pick("email"),
                  payment_days=pick("payment_days", 14))


def payer(uow: UnitOfWork, *, account_id: uuid.UUID | None, user_id: uuid.UUID | None) -> Payer:
    """The payer may lie outside the issuer's accounts (a merchant bills a fleet customer): read across
    the tenant, returning plain values only."""
    if (account_id is None) == (user_id is None):
        raise Invalid("an invoice has one payer: an account or a user", field="payer")
    tenant = uow.session.get(Tenant, uow.tenant_id)
    assert tenant is not None
    with uow.widened():
        if account_id is not None:
            account = uow.session.get(Account, account_id)
            if account is None:
                raise NotFound("account not found")
            details = "\n".join(x for x in (account.billing_address, account.vat_number) if x) or None
            return Payer(account_id=account.id, user_id=None, name=account.legal_name or account.name,
                         email=account.email, details=details, language=tenant.default_language)
        user = uow.session.get(User, user_id)
        if user is None:
            raise NotFound("user not found")
        return Payer(account_id=None, user_id=user.id, name=user.name or user.email or "", email=user.email,
                     details=None, language=user.language or tenant.default_language)
