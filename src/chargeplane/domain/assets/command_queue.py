"""Commands for a charger that is offline, kept until it reconnects (the caller chose to queue
rather than be refused), delivered in the order they were given, unless they expire first.

`status`: queued → sent (handed to the charger; its answer not yet recorded) → answered | failed;
or expired (not sent in time) | cancelled. A command is sent at most once: one that was sent when
the process stopped stays `sent`, its outcome unknown, rather than risk doing it twice."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from chargeplane.db import UnitOfWork
from chargeplane.db.base import AccountScoped, Base, new_id, utcnow
from chargeplane.domain.assets.service import get_charge_point
from chargeplane.domain.errors import Conflict, Invalid, NotFound
from chargeplane.domain.keyset import newest_first

LONGEST = timedelta(days=7)


class QueuedCommand(AccountScoped, Base):
    __tablename__ = "queued_commands"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    charge_point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charge_points.id", ondelete="CASCADE"),
                                                       index=True)
    command: Mapped[str] = mapped_column(String(64))  # kebab case, as the API names it
    action: Mapped[str] = mapped_column(String(64))  # the OCPP action
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    expires_at: Mapped[datetime]
    requested_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(500))


def queue_command(uow: UnitOfWork, *, charge_point_id: uuid.UUID, command: str, action: str,
                  payload: dict[str, Any], expires_in: timedelta, requested_by: str, now: datetime) -> QueuedCommand:
    cp = get_charge_point(uow, charge_point_id)
    if expires_in <= timedelta(0) or expires_in > LONGEST:
        raise Invalid("a queued command waits at least a second and at most 7 days", field="expires_in")
    row = QueuedCommand(account_id=cp.account_id, charge_point_id=cp.id, command=command, action=action,
                        payload=payload, status="queued", expires_at=now + expires_in, requested_by=requested_by,
                        created_at=now)
    uow.session.add(row)
    uow.session.flush()
    return row


def get_queued(uow: UnitOfWork, command_id: uuid.UUID) -> QueuedCommand:
    row = uow.session.get(QueuedCommand, command_id)
    if row is None:
        raise NotFound("queued command not found")
    return row


def cancel(uow: UnitOfWork, *, command_id: uuid.UUID, now: datetime) -> QueuedCommand:
    row = get_queued(uow, command_id)
    if row.status != "queued":
        raise Conflict("only a queued command can be cancelled; this one is %(status)s", status=row.status)
    row.status, row.answered_at = "cancelled", now
    return row


def list_queued(uow: UnitOfWork, *, charge_point_id: uuid.UUID, limit: int,
                after: tuple[datetime, uuid.UUID] | None) -> list[QueuedCommand]:
    get_charge_point(uow, charge_point_id)
    query = select(QueuedCommand).where(QueuedCommand.charge_point_id == charge_point_id)
    return list(uow.session.scalars(newest_first(query, QueuedCommand, limit=limit, after=after)))


def expire(uow: UnitOfWork, *, now: datetime) -> int:
    result = uow.session.execute(update(QueuedCommand).where(
        QueuedCommand.status == "queued", QueuedCommand.expires_at <= now).values(status="expired"))
    return int(getattr(result, "rowcount", 0) or 0)


def take_next(uow: UnitOfWork, *, charge_point_id: uuid.UUID, now: datetime) -> tuple[uuid.UUID, str,
                                                                                       dict[str, Any]] | None:
    """The oldest command still due for this charger, marked sent (at most once); expired ones on the way."""
    expire(uow, now=now)
    row = uow.session.scalar(select(QueuedCommand).where(
        QueuedCommand.charge_point_id == charge_point_id, QueuedCommand.status == "queued")
        .order_by(QueuedCommand.created_at, QueuedCommand.id).limit(1))
    if row is None:
        return None
    row.status, row.sent_at = "sent", now
    return row.id, row.action, row.payload


def put_back(uow: UnitOfWork, *, command_id: uuid.UUID) -> None:
    """The charger was gone (or not ready) before the command left: it waits for the next time."""
    uow.session.execute(update(QueuedCommand).where(QueuedCommand.id == command_id, QueuedCommand.status == "sent")
                        .values(status="queued", sent_at=None))


def record_outcome(uow: UnitOfWork, *, command_id: uuid.UUID, answer: dict[str, Any] | None, error: str | None,
                   now: datetime) -> None:
    row = get_queued(uow, command_id)
    row.answered_at = now
    if error is None:
        row.status, row.answer = "answered", answer
    else:
        row.status, row.error = "failed", error[:500]


def chargers_waiting(uow: UnitOfWork) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant, charger) with queued commands (installation scope: the job's view)."""
    rows = uow.session.execute(select(QueuedCommand.tenant_id, QueuedCommand.charge_point_id)
                               .where(QueuedCommand.status == "queued").distinct()).all()
    return [(tenant_id, charge_point_id) for tenant_id, charge_point_id in rows]


class QueuedCommandRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    charge_point_id: uuid.UUID
    command: str
    payload: dict[str, Any]
    status: Literal["queued", "sent", "answered", "failed", "expired", "cancelled"]
    expires_at: datetime
    requested_by: str | None
    created_at: datetime
    sent_at: datetime | None
    answered_at: datetime | None
    answer: dict[str, Any] | None = Field(description="the charger's reply payload")
    error: str | None
