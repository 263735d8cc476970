"""What the authentication endpoints take and answer. No answer carries a password hash, a session
token's hash or a second-factor secret (the secret is shown once, at setup)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chargeplane.domain.tenancy.schemas import TenantBrand
from chargeplane.domain.text import Text

_Input = ConfigDict(extra="forbid")
# Inputs that are stored or looked up are `Text` (no NUL: PostgreSQL cannot hold one).
_Slug = Field(min_length=1, max_length=64, description="the tenant's slug")
_Email = Field(min_length=3, max_length=254)
# The policy (12 to 128 characters) is checked by the domain with a clear message; this only bounds input.
_Password = Field(min_length=1, max_length=1024)


class SignUp(BaseModel):
    model_config = _Input

    tenant: Text = _Slug
    email: Text = _Email
    password: str = _Password
    accept_terms: bool = Field(description="must be true: the terms of use and privacy policy are accepted")
    name: Text | None = Field(default=None, max_length=200)
    language: Text | None = Field(default=None, max_length=8, description="one of the tenant's languages")
    time_zone: Text | None = Field(default=None, max_length=64, description="IANA, such as Europe/Tallinn")
    mobile: Text | None = Field(default=None, max_length=32, description="E.164, such as +3725551234")


class Accepted(BaseModel):
    detail: str


class LinkToken(BaseModel):
    model_config = _Input

    token: str = Field(min_length=1, max_length=200)


class EmailVerified(BaseModel):
    email: str | None
    status: str


class Login(BaseModel):
    model_config = _Input

    tenant: Text = _Slug
    email: Text = _Email
    password: str = _Password
    totp_code: Text | None = Field(default=None, max_length=16)
    kind: Literal["cookie", "bearer"] = Field(
        default="bearer", description="cookie: a portal session (HttpOnly cookie + CSRF token); bearer: an app token")


class MembershipBrief(BaseModel):
    role: str
    account_id: uuid.UUID | None
    account_name: str | None


class TotpStatus(BaseModel):
    enabled: bool
    required: bool = Field(description="the user's roles call for a second factor (the portal asks to set it up)")


class Me(BaseModel):
    id: uuid.UUID
    email: str | None
    mobile: str | None
    name: str | None
    language: str
    time_zone: str
    status: str
    email_verified_at: datetime | None
    created_at: datetime
    memberships: list[MembershipBrief]
    tenant: TenantBrand
    totp: TotpStatus
    terms_version_accepted: int | None = Field(description="the newest terms version this user accepted")
    csrf_token: str | None = Field(default=None, description="for a portal session: send it as X-CSRF-Token")


class MeUpdate(BaseModel):
    model_config = _Input

    name: Text | None = Field(default=None, max_length=200)
    language: Text | None = Field(default=None, max_length=8)
    time_zone: Text | None = Field(default=None, max_length=64)
    mobile: Text | None = Field(default=None, max_length=32, description="E.164; null removes it")


class LoggedIn(BaseModel):
    token: str | None = Field(default=None, description="bearer: send as Authorization: Bearer <token>")
    csrf_token: str | None = Field(default=None, description="cookie: send as X-CSRF-Token on unsafe requests")
    expires_at: datetime
    user: Me


class LoginSessionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    source_address: str | None
    user_agent: str | None
    current: bool = False


class PasswordResetRequest(BaseModel):
    model_config = _Input

    tenant: Text = _Slug
    email: Text = _Email


class PasswordResetComplete(BaseModel):
    model_config = _Input

    token: str = Field(min_length=1, max_length=200)
    password: str = _Password


class PasswordChange(BaseModel):
    model_config = _Input

    current_password: str = _Password
    new_password: str = _Password


class TotpSetupRead(BaseModel):
    secret: str = Field(description="base32; shown once, for authenticator apps that cannot scan the URI")
    otpauth_uri: str


class TotpCode(BaseModel):
    model_config = _Input

    code: Text = Field(min_length=1, max_length=16)


class TotpDisable(BaseModel):
    model_config = _Input

    code: Text | None = Field(default=None, max_length=16)
    password: str | None = Field(default=None, max_length=1024)
