from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chargeplane.db.base import AccountScoped, Base, TenantScoped, new_id, utcnow


class CustomerGroup(AccountScoped, Base):
    """A named set of users and cards of an account; its prices come with pricing."""

    __tablename__ = "customer_groups"
    __table_args__ = (UniqueConstraint("tenant_id", "account_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(500))
    # Off every price at the account's chargers for its members (pricing.selection takes the best one).
    discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0), server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CustomerGroupMember(TenantScoped, Base):
    """A user or a card in a group (exactly one of the two)."""

    __tablename__ = "customer_group_members"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id"),
        UniqueConstraint("group_id", "id_token_id"),
        CheckConstraint("(user_id IS NULL) <> (id_token_id IS NULL)", name="user_or_token"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer_groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    id_token_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("id_tokens.id", ondelete="CASCADE"),
                                                          index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccessGrant(AccountScoped, Base):
    """A charge point or a site shared with a user or a customer group. `account_id` is the owner of
    what is shared: the grant is managed by whoever manages that account."""

    __tablename__ = "access_grants"
    __table_args__ = (
        CheckConstraint("(charge_point_id IS NULL) <> (site_id IS NULL)", name="charge_point_or_site"),
        CheckConstraint("(user_id IS NULL) <> (customer_group_id IS NULL)", name="user_or_group"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    charge_point_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("charge_points.id", ondelete="CASCADE"),
                                                              index=True)
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    customer_group_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customer_groups.id", ondelete="CASCADE"), index=True)
    valid_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
