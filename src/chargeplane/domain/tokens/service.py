"""ID tokens (RFID cards) and the authorization rule for one token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import Conflict, Invalid, NotFound
from chargeplane.domain.tokens.models import IdToken
from chargeplane.domain.unique import add_unique

STATUSES = ("accepted", "blocked", "expired", "invalid")
MAX_UID_LENGTH = 20  # OCPP 1.6 idTag: CiString20


def uid_key(uid: str) -> str:
    return uid.upper()


def _check_uid(uid: str, field: str = "uid") -> str:
    if not uid or len(uid) > MAX_UID_LENGTH:
        raise Invalid(f"{field} must be 1 to {MAX_UID_LENGTH} characters", field=field)
    if not uid.isprintable() or not uid.isascii():
        raise Invalid(f"{field} must be printable ASCII", field=field)
    return uid


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def _check_status(status: str) -> str:
    if status not in STATUSES:
        raise Invalid(f"status must be one of {', '.join(STATUSES)}", field="status")
    return status


def create_id_token(uow: UnitOfWork, *, uid: str, status: str = "accepted", expires_at: datetime | None = None,
                    parent_uid: str | None = None) -> IdToken:
    _check_uid(uid)
    _check_status(status)
    if parent_uid is not None:
        _check_uid(parent_uid, "parent_uid")
    token = IdToken(uid=uid, uid_key=uid_key(uid), status=status, expires_at=_utc(expires_at), parent_uid=parent_uid)
    return add_unique(uow, token, Conflict(f"an id token with uid {uid!r} exists", field="uid"))


def get_id_token(uow: UnitOfWork, token_id: uuid.UUID) -> IdToken:
    token = uow.session.get(IdToken, token_id)
    if token is None:
        raise NotFound("id token not found", id_token_id=str(token_id))
    return token


def find_id_token(uow: UnitOfWork, uid: str) -> IdToken | None:
    return uow.session.scalar(select(IdToken).where(IdToken.uid_key == uid_key(uid)))


def list_id_tokens(uow: UnitOfWork, *, status: str | None, uid: str | None, limit: int,
                   after: tuple[Any, uuid.UUID] | None = None) -> list[IdToken]:
    query = select(IdToken)
    if status is not None:
        query = query.where(IdToken.status == status)
    if uid is not None:
        query = query.where(IdToken.uid_key == uid_key(uid))
    if after is not None:
        created_at, last_id = after
        query = query.where((IdToken.created_at < created_at)
                            | ((IdToken.created_at == created_at) & (IdToken.id < last_id)))
    return list(uow.session.scalars(query.order_by(IdToken.created_at.desc(), IdToken.id.desc()).limit(limit)))


def update_id_token(uow: UnitOfWork, token_id: uuid.UUID, *, changes: dict[str, Any]) -> IdToken:
    token = get_id_token(uow, token_id)
    unknown = set(changes) - {"status", "expires_at", "parent_uid"}
    if unknown:
        raise Invalid(f"cannot change {', '.join(sorted(unknown))}")
    if "status" in changes:
        _check_status(changes["status"])
    if changes.get("parent_uid") is not None:
        _check_uid(changes["parent_uid"], "parent_uid")
    if changes.get("expires_at") is not None:
        changes = {**changes, "expires_at": _utc(changes["expires_at"])}
    for field, value in changes.items():
        setattr(token, field, value)
    uow.session.flush()
    return token


def delete_id_token(uow: UnitOfWork, token_id: uuid.UUID) -> None:
    uow.session.delete(get_id_token(uow, token_id))
    uow.session.flush()


@dataclass(frozen=True, slots=True)
class Authorization:
    """The answer for one token. status: accepted | blocked | expired | invalid | concurrent_tx."""

    status: str
    expires_at: datetime | None = None
    parent_uid: str | None = None
    token_id: uuid.UUID | None = None

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"


def authorize_token(uow: UnitOfWork, *, uid: str, at: datetime) -> Authorization:
    token = find_id_token(uow, uid)
    if token is None:
        return Authorization("invalid")
    status = token.status
    if status == "accepted" and token.expires_at is not None and token.expires_at <= at:
        status = "expired"
    return Authorization(status, token.expires_at, token.parent_uid, token.id)
