"""Keyset paging over (a time, id), newest first: the order every list of the API uses."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import Select

T = TypeVar("T", bound=tuple[Any, ...])


def newest_first(query: Select[T], model: Any, *, limit: int, after: tuple[Any, uuid.UUID | int] | None,
                 by: str = "created_at") -> Select[T]:
    """`query` ordered newest first by `model.<by>` then id, from just after `after` (the (time, id)
    of the last row of the previous page)."""
    at, row_id = getattr(model, by), model.id
    if after is not None:
        last_at, last_id = after
        query = query.where((at < last_at) | ((at == last_at) & (row_id < last_id)))
    return query.order_by(at.desc(), row_id.desc()).limit(limit)
