"""Whether a card may charge: the answer to a charger's Authorize and StartTransaction.

This runs on the OCPP hot path. An unrestricted physical card costs one query (the card with its
holder's status); a restricted card adds one for its places; a virtual card adds none.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.models import ChargePoint
from chargeplane.domain.identity.models import User
from chargeplane.domain.tokens.models import IdToken, IdTokenRestriction

# How long a virtual card's remote start stays open for the charger's Authorize/StartTransaction:
# the driver may still be plugging in the cable when the charger is told to start.
REMOTE_START_WINDOW = timedelta(minutes=3)


def uid_key(uid: str) -> str:
    """OCPP's idTag is a CiString: compared without regard to case."""
    return uid.upper()


@dataclass(frozen=True, slots=True)
class Authorization:
    """The answer for one token. status: accepted | blocked | expired | invalid | concurrent_tx."""

    status: str
    expires_at: datetime | None = None
    parent_uid: str | None = None
    token_id: uuid.UUID | None = None
    # A virtual card accepted through the remote start its holder asked for (cleared when it starts).
    remote_start: bool = False

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"


def authorize_token(uow: UnitOfWork, *, uid: str, at: datetime, charge_point_id: uuid.UUID | None = None,
                    remote_start_taken: bool = False) -> Authorization:
    """The card's own status at `at`; with a charge point, also whether it may charge there.

    `remote_start_taken`: the start being answered was already accepted once for this card (a charger
    re-sending its StartTransaction), so a virtual card's used-up remote start still counts."""
    row = uow.session.execute(
        select(IdToken, User.status).outerjoin(User, User.id == IdToken.user_id).where(IdToken.uid_key == uid_key(uid))
    ).first()
    if row is None:
        return Authorization("invalid")
    token, holder_status = row
    answer = _own_status(token, holder_status, at)
    remote_start = False
    if answer == "accepted" and charge_point_id is not None:
        if token.kind == "virtual":
            remote_start = _remote_start_open(token, charge_point_id, at)
            if not (remote_start or remote_start_taken):
                answer = "invalid"  # an app-only card presented at a charger
        if token.restricted and not allowed_at(uow, token.id, charge_point_id):
            answer = "invalid"
    return Authorization(answer, token.expires_at, token.parent_uid, token.id, remote_start and answer == "accepted")


def _own_status(token: IdToken, holder_status: str | None, at: datetime) -> str:
    if token.status != "accepted":
        return token.status
    if holder_status == "disabled":
        return "blocked"
    if token.expires_at is not None and token.expires_at <= at:
        return "expired"
    return "accepted"


def _remote_start_open(token: IdToken, charge_point_id: uuid.UUID, at: datetime) -> bool:
    return (token.remote_start_charge_point_id == charge_point_id and token.remote_start_expires_at is not None
            and token.remote_start_expires_at > at)


def allowed_at(uow: UnitOfWork, token_id: uuid.UUID, charge_point_id: uuid.UUID) -> bool:
    """The card lists this charge point, or the site it stands at."""
    site = select(ChargePoint.site_id).where(ChargePoint.id == charge_point_id).scalar_subquery()
    found = uow.session.scalar(
        select(IdTokenRestriction.id).where(
            IdTokenRestriction.id_token_id == token_id,
            or_(IdTokenRestriction.charge_point_id == charge_point_id, IdTokenRestriction.site_id == site),
        ).limit(1)
    )
    return found is not None


def arm_remote_start(token: IdToken, *, charge_point_id: uuid.UUID, now: datetime) -> None:
    """The holder asked the app to start on this charge point: let the card be used there, briefly."""
    token.remote_start_charge_point_id = charge_point_id
    token.remote_start_expires_at = now + REMOTE_START_WINDOW


def disarm_remote_start(uow: UnitOfWork, token_id: uuid.UUID) -> None:
    """The remote start happened: the card goes back to being refused at chargers."""
    token = uow.session.get(IdToken, token_id)
    if token is not None:
        token.remote_start_charge_point_id = None
        token.remote_start_expires_at = None
