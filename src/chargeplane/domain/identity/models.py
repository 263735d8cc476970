from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chargeplane.db.base import AccountScoped, Base, TenantScoped, new_id, utcnow


class User(TenantScoped, Base):
    """A person who logs in to one tenant's platform (the same email at two tenants is two users)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "email_key"), UniqueConstraint("tenant_id", "mobile"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str | None] = mapped_column(String(254))
    email_key: Mapped[str | None] = mapped_column(String(254))  # lower-cased, for lookups
    mobile: Mapped[str | None] = mapped_column(String(20))  # E.164
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="en")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # pending (signed up or invited, not verified) | active | disabled
    status: Mapped[str] = mapped_column(String(16), default="pending")
    email_verified_at: Mapped[datetime | None]
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    # The last 30-second TOTP step a code was accepted for: a code is never accepted twice.
    totp_last_step: Mapped[int | None]
    # Raised by a password change or "log out everywhere": sessions issued before it are dead.
    sessions_valid_after: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Membership(AccountScoped, Base):
    """A role of a user: tenant-wide (no account) or in one account."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "account_id", "role"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TermsAcceptance(TenantScoped, Base):
    """A user accepted the tenant's terms of use and privacy policy of one version, at one time."""

    __tablename__ = "terms_acceptances"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    terms_version: Mapped[int]
    terms_url: Mapped[str] = mapped_column(String(500))
    privacy_url: Mapped[str] = mapped_column(String(500))
    accepted_at: Mapped[datetime]
    source_address: Mapped[str | None] = mapped_column(String(64))


class LoginSession(TenantScoped, Base):
    """A logged-in user: a portal cookie or a driver-app bearer token. Only the token's hash is kept."""

    __tablename__ = "login_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # cookie | bearer
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    source_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class OneTimeToken(TenantScoped, Base):
    """A single-use link sent to a user: email verification or password reset. Stored hashed."""

    __tablename__ = "one_time_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))  # verify_email | reset_password
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Invitation(AccountScoped, Base):
    """A single-use, 24-hour link that creates a customer account, adds a user to an account, or
    creates a sub-account. `account_id` is the account invited into (None for a new customer)."""

    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))  # customer | member | sub_account
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="en")
    role: Mapped[str] = mapped_column(String(32))  # the role the invitee gets
    # What to create on activation, for customer and sub-account invitations.
    account_kind: Mapped[str | None] = mapped_column(String(16))
    account_relation: Mapped[str | None] = mapped_column(String(16))
    account_name: Mapped[str | None] = mapped_column(String(200))
    account_details: Mapped[str | None] = mapped_column(String(4000))  # JSON: business fields, rate, IBAN
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | accepted | revoked
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    sent_count: Mapped[int] = mapped_column(default=1)
    last_sent_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    invited_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    invited_by_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
