"""Keyset pagination over (created_at, id), newest first, with an opaque cursor."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

import orjson
from pydantic import BaseModel

from chargeplane.api.problems import ApiError

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class HasKey(Protocol):
    created_at: datetime
    id: uuid.UUID


def decode_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    if not cursor:
        return None
    try:
        created_at, last_id = orjson.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(created_at), uuid.UUID(last_id)
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise ApiError(422, "invalid-cursor", "cursor is not one this API gave out") from None


def next_cursor(rows: Sequence[HasKey], limit: int) -> str | None:
    if len(rows) < limit:
        return None
    last = rows[-1]
    raw = orjson.dumps([last.created_at.isoformat(), str(last.id)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def page(items: list[Any], rows: Sequence[HasKey], limit: int) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor(rows, limit)}
