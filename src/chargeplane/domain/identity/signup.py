"""Creating users, self sign-up by email, and email verification.

Sign-up never tells whether an address is known. A new address gets a pending user (a driver, in
no account) and a verification link. An address whose user is still pending is treated as that
person trying again: the details and password are replaced and a new link is sent to the same
inbox (the earlier links stop working), so whoever controls the inbox decides. An address whose
user is active or disabled gets nothing: the answer is the same, and no mail reveals the attempt
(a person who forgot their account uses the password reset)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.credentials import PasswordHashing
from chargeplane.domain.errors import Conflict, Invalid
from chargeplane.domain.identity.contact import (
    check_language,
    check_time_zone,
    email_key,
    normalize_email,
    normalize_mobile,
)
from chargeplane.domain.identity.models import Membership, TermsAcceptance, User
from chargeplane.domain.identity.onetime import VERIFY_EMAIL, consume_link, send_link
from chargeplane.domain.identity.passwords import check_password_policy, find_user_by_email
from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.tenancy.models import Tenant
from chargeplane.domain.tenancy.service import get_tenant, require_terms

STATUSES = frozenset({"pending", "active", "disabled"})


def _mobile_taken(uow: UnitOfWork, mobile: str) -> bool:
    return uow.session.scalar(select(User.id).where(User.mobile == mobile)) is not None


def create_user(uow: UnitOfWork, *, email: str | None, mobile: str | None, name: str | None, password: str | None,
                language: str, time_zone: str | None, hashing: PasswordHashing, now: datetime, status: str,
                password_hash: str | None = None, email_verified: bool = False) -> User:
    """A user of the caller's tenant, checked: an email or a mobile number (E.164), both unique in the
    tenant; the password policy; a language of the tenant's; an IANA time zone (default the tenant's).

    `password` is hashed here; a caller on the event loop hashes it off the loop instead and passes
    `password_hash` (after `check_password_policy`). `email_verified` when the email was proven
    (an invitation link that reached it)."""
    if status not in STATUSES:
        raise ValueError(f"unknown user status {status!r}")
    if not email and not mobile:
        raise Invalid("an email address or a mobile number is required", field="email")
    tenant = get_tenant(uow)
    email = normalize_email(email) if email else None
    mobile = normalize_mobile(mobile) if mobile else None
    language = check_language(tenant, language)
    time_zone = check_time_zone(time_zone or tenant.time_zone)
    if password is not None:
        password_hash = hashing.hash(check_password_policy(password, email=email))
    if email is not None and find_user_by_email(uow, email) is not None:
        raise Conflict("a user with this email address exists", field="email")
    if mobile is not None and _mobile_taken(uow, mobile):
        raise Conflict("a user with this mobile number exists", field="mobile")
    user = User(email=email, email_key=email_key(email) if email else None, mobile=mobile,
                name=(name or "").strip() or None, language=language, time_zone=time_zone,
                password_hash=password_hash, status=status, email_verified_at=now if email_verified else None,
                created_at=now, updated_at=now)
    uow.session.add(user)
    uow.session.flush()
    return user


def record_terms_acceptance(uow: UnitOfWork, *, user: User, tenant: Tenant, now: datetime,
                            source_address: str | None) -> TermsAcceptance:
    """The user accepted the tenant's current terms and privacy policy: which version, which links, when."""
    require_terms(tenant)
    assert tenant.terms_url is not None and tenant.privacy_url is not None
    acceptance = TermsAcceptance(user_id=user.id, terms_version=tenant.terms_version, terms_url=tenant.terms_url,
                                 privacy_url=tenant.privacy_url, accepted_at=now,
                                 source_address=(source_address or "")[:64] or None)
    uow.session.add(acceptance)
    return acceptance


@dataclass(frozen=True, slots=True)
class SignUpForm:
    """A sign-up that passed every check that does not depend on who else exists."""

    email: str
    name: str | None
    language: str
    time_zone: str
    mobile: str | None


def check_sign_up(uow: UnitOfWork, *, email: str, password: str, accept_terms: bool, name: str | None,
                  language: str | None, time_zone: str | None, mobile: str | None) -> SignUpForm:
    """Everything that can be refused before the password is hashed (so that a refusal costs nothing)."""
    tenant = get_tenant(uow)
    require_terms(tenant)
    if accept_terms is not True:
        raise Invalid("signing up needs acceptance of the terms of use and the privacy policy", field="accept_terms")
    email = normalize_email(email)
    check_password_policy(password, email=email)
    return SignUpForm(email=email, name=(name or "").strip() or None,
                      language=check_language(tenant, language or tenant.default_language),
                      time_zone=check_time_zone(time_zone or tenant.time_zone),
                      mobile=normalize_mobile(mobile) if mobile else None)


def sign_up(uow: UnitOfWork, *, form: SignUpForm, password_hash: str, hashing: PasswordHashing, now: datetime,
            source_address: str | None, base_url: str, may_send: bool) -> None:
    """Carry out a checked sign-up (see the module's note). `may_send` False (too many mails to
    this address lately) changes nothing at all."""
    tenant = get_tenant(uow)
    require_terms(tenant)
    user = find_user_by_email(uow, form.email)
    if not may_send or (user is not None and user.status != "pending"):
        return
    # A mobile number someone else holds is left out rather than refused: refusing would tell
    # the caller that the number is registered. The user can add it later from their profile.
    mobile = form.mobile if form.mobile and not _mobile_taken(uow, form.mobile) else None
    if user is None:
        user = create_user(uow, email=form.email, mobile=mobile, name=form.name, password=None,
                           language=form.language, time_zone=form.time_zone, hashing=hashing, now=now,
                           status="pending", password_hash=password_hash)
        uow.session.add(Membership(user_id=user.id, role=Role.DRIVER.value, account_id=None))
    else:
        user.name, user.language, user.time_zone = form.name, form.language, form.time_zone
        user.password_hash = password_hash
        if mobile is not None:
            user.mobile = mobile
    record_terms_acceptance(uow, user=user, tenant=tenant, now=now, source_address=source_address)
    send_link(uow, user=user, tenant=tenant, purpose=VERIFY_EMAIL, now=now, base_url=base_url)


def verify_email(uow: UnitOfWork, *, secret: str, now: datetime) -> User:
    """Spend a verification link: its user's address is proven and a pending user becomes active."""
    user = consume_link(uow, secret=secret, purpose=VERIFY_EMAIL, now=now)
    user.email_verified_at = now
    if user.status == "pending":
        user.status = "active"
    return user
