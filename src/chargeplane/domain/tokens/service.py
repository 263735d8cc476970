"""ID tokens (cards): physical RFID cards and virtual app-only cards, their holders and places."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from chargeplane.db import UnitOfWork
from chargeplane.domain.access.reach import account_in_reach, user_in_reach
from chargeplane.domain.assets.models import ChargePoint, Site
from chargeplane.domain.audit.service import changed, record
from chargeplane.domain.errors import Conflict, Invalid, NotFound
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.tokens.authorization import uid_key
from chargeplane.domain.tokens.contract_ids import normalise_contract_id
from chargeplane.domain.tokens.models import IdToken, IdTokenRestriction
from chargeplane.domain.tokens.schemas import IdTokenRead

STATUSES = ("accepted", "blocked", "expired", "invalid")
KINDS = ("physical", "virtual")
MAX_UID_LENGTH = 20  # OCPP 1.6 idTag: CiString20
# Virtual uids: "V" and 19 characters of Crockford's base32 (95 random bits), never typed by anyone.
_VIRTUAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
UPDATABLE = frozenset({"status", "expires_at", "parent_uid", "contract_id", "label", "user_id", "restricted",
                       "site_ids", "charge_point_ids"})
_NOT_NULL = frozenset({"status", "restricted", "site_ids", "charge_point_ids"})


def new_virtual_uid() -> str:
    return "V" + "".join(secrets.choice(_VIRTUAL_ALPHABET) for _ in range(MAX_UID_LENGTH - 1))


def check_uid(uid: str, field: str = "uid") -> str:
    if not uid or len(uid) > MAX_UID_LENGTH:
        raise Invalid("%(field)s must be 1 to %(maximum)s characters", field=field, maximum=MAX_UID_LENGTH)
    if not uid.isprintable() or not uid.isascii():
        raise Invalid("%(field)s must be printable ASCII", field=field)
    return uid


def check_status(status: str) -> str:
    if status not in STATUSES:
        raise Invalid("status must be one of %(allowed)s", field="status", allowed=", ".join(STATUSES))
    return status


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise Invalid("kind must be one of %(allowed)s", field="kind", allowed=", ".join(KINDS))
    return kind


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def snapshot(token: IdToken, places: tuple[list[uuid.UUID], list[uuid.UUID]] = ([], [])) -> dict[str, Any]:
    """The card's settings as the audit log keeps them."""
    return {"uid": token.uid, "kind": token.kind, "status": token.status, "expires_at": token.expires_at,
            "parent_uid": token.parent_uid, "contract_id": token.contract_id, "label": token.label,
            "user_id": token.user_id, "account_id": token.account_id, "restricted": token.restricted,
            "site_ids": sorted(places[0]), "charge_point_ids": sorted(places[1])}


def create_id_token(uow: UnitOfWork, *, uid: str | None = None, kind: str = "physical", status: str = "accepted",
                    expires_at: datetime | None = None, parent_uid: str | None = None,
                    contract_id: str | None = None, label: str | None = None, user_id: uuid.UUID | None = None,
                    account_id: uuid.UUID | None = None, restricted: bool = False,
                    site_ids: Sequence[uuid.UUID] = (), charge_point_ids: Sequence[uuid.UUID] = (),
                    actor: Principal | None = None, now: datetime | None = None) -> IdToken:
    """A new card. `actor` and `now` given, the creation is audited in the same unit of work."""
    check_kind(kind)
    if kind == "virtual":
        if uid is not None:
            raise Invalid("a virtual card's uid is generated: leave uid out", field="uid")
        uid = new_virtual_uid()
    elif uid is None:
        raise Invalid("uid is required for a physical card: the RFID card's id", field="uid")
    check_uid(uid)
    check_status(status)
    if parent_uid is not None:
        check_uid(parent_uid, "parent_uid")
    account_id = account_in_reach(uow, account_id, actor=actor)
    if user_id is not None:
        user_in_reach(uow, user_id)
    token = IdToken(uid=uid, uid_key=uid_key(uid), kind=kind, status=status, expires_at=_utc(expires_at),
                    parent_uid=parent_uid, label=label, user_id=user_id, account_id=account_id,
                    restricted=restricted,
                    contract_id=normalise_contract_id(contract_id) if contract_id is not None else None)
    add_token(uow, token)
    places = set_places(uow, token, site_ids, charge_point_ids)
    if now is not None:
        record(uow, actor=actor, action="id_token.create", object_type="id_token", object_id=token.id, at=now,
               account_id=token.account_id, after=snapshot(token, places))
    return token


def add_token(uow: UnitOfWork, token: IdToken) -> IdToken:
    """Insert in a savepoint: uid and contract id are unique in the tenant, also among cards the caller
    cannot see, so a clash is only known from the database."""
    uow.session.add(token)
    try:
        with uow.session.begin_nested():
            uow.session.flush()
    except IntegrityError as clash:
        if token.contract_id is not None and "contract_id" in str(clash.orig):
            raise Conflict("a card with contract id %(contract_id)r exists", field="contract_id",
                           contract_id=token.contract_id) from None
        raise Conflict("a card with uid %(uid)r exists", field="uid", uid=token.uid) from None
    return token


def set_places(uow: UnitOfWork, token: IdToken, site_ids: Iterable[uuid.UUID],
               charge_point_ids: Iterable[uuid.UUID]) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Where a restricted card works: sites and charge points the caller can see, nothing else."""
    sites, charge_points = sorted(set(site_ids)), sorted(set(charge_point_ids))
    _require_all(uow, Site, sites, "site_ids")
    _require_all(uow, ChargePoint, charge_points, "charge_point_ids")
    uow.session.execute(delete(IdTokenRestriction).where(IdTokenRestriction.id_token_id == token.id))
    uow.session.add_all([IdTokenRestriction(id_token_id=token.id, site_id=s) for s in sites]
                        + [IdTokenRestriction(id_token_id=token.id, charge_point_id=c) for c in charge_points])
    uow.session.flush()
    return sites, charge_points


def _require_all(uow: UnitOfWork, model: type[Site] | type[ChargePoint], ids: list[uuid.UUID], field: str) -> None:
    if not ids:
        return
    found = set(uow.session.scalars(select(model.id).where(model.id.in_(ids))))
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise Invalid("%(field)s: not found: %(missing)s", field=field, missing=", ".join(missing))


def places_of(uow: UnitOfWork, token_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, tuple[list[uuid.UUID],
                                                                                         list[uuid.UUID]]]:
    """The sites and charge points of each card, in one query."""
    ids = list(token_ids)
    places: dict[uuid.UUID, tuple[list[uuid.UUID], list[uuid.UUID]]] = {i: ([], []) for i in ids}
    if not ids:
        return places
    rows = uow.session.execute(
        select(IdTokenRestriction.id_token_id, IdTokenRestriction.site_id, IdTokenRestriction.charge_point_id)
        .where(IdTokenRestriction.id_token_id.in_(ids))
    )
    for token_id, site_id, charge_point_id in rows:
        if site_id is not None:
            places[token_id][0].append(site_id)
        if charge_point_id is not None:
            places[token_id][1].append(charge_point_id)
    return places


def read_tokens(uow: UnitOfWork, tokens: Sequence[IdToken]) -> list[IdTokenRead]:
    places = places_of(uow, (t.id for t in tokens))
    reads = []
    for token in tokens:
        sites, charge_points = places[token.id]
        read = IdTokenRead.model_validate(token)
        read.site_ids, read.charge_point_ids = sorted(sites), sorted(charge_points)
        reads.append(read)
    return reads


def get_id_token(uow: UnitOfWork, token_id: uuid.UUID) -> IdToken:
    token = uow.session.get(IdToken, token_id)
    if token is None:
        raise NotFound("id token not found", id_token_id=str(token_id))
    return token


def find_id_token(uow: UnitOfWork, uid: str) -> IdToken | None:
    return uow.session.scalar(select(IdToken).where(IdToken.uid_key == uid_key(uid)))


def list_id_tokens(uow: UnitOfWork, *, status: str | None = None, uid: str | None = None,
                   user_id: uuid.UUID | None = None, account_id: uuid.UUID | None = None, limit: int,
                   after: tuple[Any, uuid.UUID] | None = None) -> list[IdToken]:
    query = select(IdToken)
    if status is not None:
        query = query.where(IdToken.status == status)
    if uid is not None:
        query = query.where(IdToken.uid_key == uid_key(uid))
    if user_id is not None:
        query = query.where(IdToken.user_id == user_id)
    if account_id is not None:
        query = query.where(IdToken.account_id == account_id)
    return list(uow.session.scalars(newest_first(query, IdToken, limit=limit, after=after)))


def update_id_token(uow: UnitOfWork, token_id: uuid.UUID, *, changes: dict[str, Any],
                    actor: Principal | None = None, now: datetime | None = None) -> IdToken:
    """`changes` holds only what the caller sent; `user_id: None` unlinks the card."""
    token = get_id_token(uow, token_id)
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise Invalid("cannot change %(names)s", names=", ".join(sorted(unknown)))
    nulls = sorted(_NOT_NULL & {k for k, v in changes.items() if v is None})
    if nulls:
        raise Invalid("%(field)s cannot be null", field=nulls[0])
    before_places = places_of(uow, [token.id])[token.id]
    before = snapshot(token, before_places)
    if "status" in changes:
        check_status(changes["status"])
    if changes.get("parent_uid") is not None:
        check_uid(changes["parent_uid"], "parent_uid")
    if changes.get("contract_id") is not None:
        changes = {**changes, "contract_id": normalise_contract_id(changes["contract_id"])}
    if changes.get("user_id") is not None:
        user_in_reach(uow, changes["user_id"])
    if "expires_at" in changes:
        changes = {**changes, "expires_at": _utc(changes["expires_at"])}
    places = before_places
    if "site_ids" in changes or "charge_point_ids" in changes:
        places = set_places(uow, token, changes.get("site_ids", before_places[0]),
                            changes.get("charge_point_ids", before_places[1]))
    for field, value in changes.items():
        if field not in ("site_ids", "charge_point_ids"):
            setattr(token, field, value)
    try:
        with uow.session.begin_nested():
            uow.session.flush()
    except IntegrityError:
        raise Conflict("a card with contract id %(contract_id)r exists", field="contract_id",
                       contract_id=token.contract_id) from None
    if now is not None:
        old, new = changed(before, snapshot(token, places))
        if new:
            record(uow, actor=actor, action="id_token.update", object_type="id_token", object_id=token.id, at=now,
                   account_id=token.account_id, before=old, after=new)
    return token


def delete_id_token(uow: UnitOfWork, token_id: uuid.UUID, *, actor: Principal | None = None,
                    now: datetime | None = None) -> None:
    token = get_id_token(uow, token_id)
    if token.user_id is not None:
        raise Conflict("the card is linked to a user and cannot be deleted: unlink it first (user_id: null), "
                       "or block it instead (status: blocked)", field="user_id")
    before = snapshot(token, places_of(uow, [token.id])[token.id])
    uow.session.delete(token)
    uow.session.flush()
    if now is not None:
        record(uow, actor=actor, action="id_token.delete", object_type="id_token", object_id=token_id, at=now,
               account_id=token.account_id, before=before)
