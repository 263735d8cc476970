"""Finding cards as an operator does: by a piece of the uid, contract id, label or holder, narrowed by
status, kind and account; newest first, a page at a time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select

from chargeplane.db import UnitOfWork
from chargeplane.domain.identity.models import User
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.tokens.models import IdToken


@dataclass(frozen=True, slots=True)
class CardSearch:
    text: str | None = None  # a piece of the uid, contract id, label, or holder's name or email
    status: str | None = None
    kind: str | None = None
    account_id: uuid.UUID | None = None


def search_cards(uow: UnitOfWork, *, where: CardSearch, limit: int,
                 after: tuple[Any, uuid.UUID] | None = None) -> list[IdToken]:
    query = select(IdToken)
    text = (where.text or "").strip().lower()
    if text:
        holders = select(User.id).where(or_(func.lower(User.email_key).contains(text, autoescape=True),
                                            func.lower(User.name).contains(text, autoescape=True)))
        query = query.where(or_(func.lower(IdToken.uid_key).contains(text, autoescape=True),
                                func.lower(IdToken.contract_id).contains(text, autoescape=True),
                                func.lower(IdToken.label).contains(text, autoescape=True),
                                IdToken.user_id.in_(holders)))
    for column, value in ((IdToken.status, where.status), (IdToken.kind, where.kind),
                          (IdToken.account_id, where.account_id)):
        if value is not None:
            query = query.where(column == value)
    return list(uow.session.scalars(newest_first(query, IdToken, limit=limit, after=after)))
