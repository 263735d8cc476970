"""What both reports share in their SQL: the narrowing by charger, site, account or card, and which CDR
of a session is its latest."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, exists

from chargeplane.domain.assets.models import ChargePoint
from chargeplane.domain.sessions.models import ChargingSession


def newer_version(cdr: Any, newer: Any) -> Any:
    """Whether a later version of the CDR exists (through the unique (session_id, version) index; a
    correction always follows the latest version, so the one without a later one is the latest)."""
    return exists().where(newer.session_id == cdr.session_id, newer.version > cdr.version)


def narrowed(q: Select[Any], *, charge_point_id: uuid.UUID | None = None, site_id: uuid.UUID | None = None,
             account_id: uuid.UUID | None = None, id_token_id: uuid.UUID | None = None) -> Select[Any]:
    """`q` (over sessions, joined to their charge points when `site_id` is given) with the filters given."""
    s = ChargingSession
    for column, value in ((s.charge_point_id, charge_point_id), (ChargePoint.site_id, site_id),
                          (s.account_id, account_id), (s.id_token_id, id_token_id)):
        if value is not None:
            q = q.where(column == value)
    return q
