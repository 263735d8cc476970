"""What the invitations API takes and shows. The token never appears here: it travels only in the
message to the invitee (and the outbox, which only tenant admins read)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.text import Text

InvitationKind = Literal["customer", "member", "sub_account"]
InvitationStatus = Literal["pending", "expired", "accepted", "revoked"]


class AccountDraft(BaseModel):
    """The account a customer or sub-account invitation creates when it is accepted."""

    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)
    kind: Literal["standard", "business", "consumer"] | None = Field(
        default=None, description="default standard; for a sub-account, consumer (employee) or business (subsidiary)")
    relation: Literal["employee", "subsidiary"] | None = Field(
        default=None, description="sub-account invitations: how the new account relates to the parent")
    legal_name: Text | None = Field(default=None, max_length=200)
    registration_number: Text | None = Field(default=None, max_length=64)
    vat_number: Text | None = Field(default=None, max_length=32)
    billing_address: Text | None = Field(default=None, max_length=500)
    email: Text | None = Field(default=None, max_length=254, description="the account's billing email")
    reimbursement_rate: Decimal | None = Field(default=None, description="per kWh, for home charging")
    reimbursement_currency: Text | None = Field(default=None, max_length=3)
    payee_iban: Text | None = Field(default=None, max_length=42)


class InvitationCreate(BaseModel):
    """`customer`: a new customer account whose owner the invitee becomes (tenant staff).
    `member`: the invitee joins `account_id` with `role` (or, with no account, tenant staff with a
    tenant role: tenant admins only). `sub_account`: a new sub-account of `account_id` (default: the
    account the inviter administers), owned by the invitee. Sent by email, or by SMS with only a mobile."""

    model_config = ConfigDict(extra="forbid")

    kind: InvitationKind
    email: Text | None = Field(default=None, max_length=254)
    mobile: Text | None = Field(default=None, max_length=32)
    name: Text | None = Field(default=None, max_length=200, description="the invitee's name, if known")
    language: Text | None = Field(default=None, max_length=8,
                                  description="of the message and the new user; default the tenant's")
    role: Role | None = Field(default=None, description="member invitations: the role the invitee gets")
    account_id: uuid.UUID | None = None
    account: AccountDraft | None = None


class InvitationRead(BaseModel):
    id: uuid.UUID
    kind: InvitationKind
    status: InvitationStatus
    email: str | None
    mobile: str | None
    name: str | None
    language: str
    role: Role
    account_id: uuid.UUID | None
    account_name: str | None
    account_kind: str | None
    account_relation: str | None
    created_at: datetime
    expires_at: datetime
    sent_count: int
    last_sent_at: datetime
    accepted_at: datetime | None
    accepted_user_id: uuid.UUID | None
    created_account_id: uuid.UUID | None
    invited_by_user_id: uuid.UUID | None
    invited_by_key_id: uuid.UUID | None


class TenantFace(BaseModel):
    """What an invitee sees of the tenant before accepting: who they deal with, and on what terms."""

    name: str
    logo_url: str | None
    primary_color: str | None
    accent_color: str | None
    languages: list[str]
    default_language: str
    terms_url: str | None
    privacy_url: str | None
    terms_version: int
    support_email: str | None
    support_url: str | None


class InvitationPreview(BaseModel):
    kind: InvitationKind
    tenant: TenantFace
    account_name: str | None
    inviter: str
    role: Role
    email: str | None
    mobile: str | None
    name: str | None
    language: str
    expires_at: datetime
    existing_user: bool = Field(description="the address belongs to a user already: log in as them to accept")


class InvitationAccept(BaseModel):
    """A new user sets a password (and a name); an existing user accepts while logged in, without one."""

    model_config = ConfigDict(extra="forbid")

    token: Text = Field(min_length=1, max_length=200)
    accept_terms: bool
    password: str | None = Field(default=None, max_length=1024)
    name: Text | None = Field(default=None, max_length=200)
    language: Text | None = Field(default=None, max_length=8)
    time_zone: Text | None = Field(default=None, max_length=64)


class InvitationAccepted(BaseModel):
    invitation_id: uuid.UUID
    user_id: uuid.UUID
    created_user: bool
    account_id: uuid.UUID | None
    role: Role
