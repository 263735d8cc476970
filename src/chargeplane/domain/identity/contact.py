"""How a person is reached and addressed: email, mobile number, language and time zone, checked and
normalised the same way wherever a user is created or edited."""

from __future__ import annotations

import contextlib
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email

from chargeplane.domain.errors import N_, Invalid
from chargeplane.domain.tenancy.models import Tenant

# E.164: a '+', a country code that does not start with 0, at most 15 digits in all.
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_MOBILE_SEPARATORS = re.compile(r"[\s\-().]")
NOT_AN_EMAIL = N_("not a valid email address: %(reason)s")  # the reason: email_validator's, in English


def normalize_email(email: str) -> str:
    """The address as it is stored and shown (the domain lower-cased); `email_key` for lookups.

    Syntax only: whether mail arrives is the mail server's business. Reserved names are refused,
    except `.test` (RFC 2606), which tests and demos use and where mail harmlessly goes nowhere."""
    try:
        return str(validate_email(email.strip(), check_deliverability=False, test_environment=True).normalized)
    except EmailNotValidError as exc:
        raise Invalid(NOT_AN_EMAIL, field="email", reason=str(exc)) from None


def email_key(email: str) -> str:
    """What makes two addresses the same person's at one tenant: the normalised address, case
    ignored. Input that is not an address still gets a key (lookups simply find nobody)."""
    with contextlib.suppress(Invalid):
        email = normalize_email(email)
    return email.strip().lower()


def normalize_mobile(mobile: str) -> str:
    """A mobile number in E.164 (+3725551234); spaces, dashes, dots and brackets are dropped."""
    compact = _MOBILE_SEPARATORS.sub("", mobile)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not _E164.match(compact):
        raise Invalid("mobile must be an international number in E.164 form, such as +3725551234", field="mobile")
    return compact


def check_language(tenant: Tenant, language: str) -> str:
    if language not in tenant.languages:
        raise Invalid("language must be one of %(allowed)s", field="language", allowed=", ".join(tenant.languages))
    return language


def check_time_zone(time_zone: str) -> str:
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid("%(time_zone)r is not an IANA time zone (such as Europe/Tallinn)", field="time_zone",
                      time_zone=time_zone) from None
    return time_zone
