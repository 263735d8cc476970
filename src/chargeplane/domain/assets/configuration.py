"""A charger's configuration as it last reported it (GetConfiguration), and every change asked of it
(ChangeConfiguration) with the charger's answer. Secret settings (AuthorizationKey, anything named
like a password or key) are kept with their value redacted."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from chargeplane.db import UnitOfWork
from chargeplane.db.base import AccountScoped, Base, TenantScoped, new_id
from chargeplane.domain.assets.commands import redact_settings
from chargeplane.domain.assets.service import get_charge_point
from chargeplane.domain.keyset import newest_first


class ChargerSetting(TenantScoped, Base):
    __tablename__ = "charger_settings"
    __table_args__ = (UniqueConstraint("charge_point_id", "key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    charge_point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charge_points.id", ondelete="CASCADE"),
                                                       index=True)
    key: Mapped[str] = mapped_column(String(50))
    value: Mapped[str | None] = mapped_column(String(500))
    readonly: Mapped[bool] = mapped_column(default=False)
    read_at: Mapped[datetime]


class ConfigurationChange(AccountScoped, Base):
    __tablename__ = "configuration_changes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    charge_point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("charge_points.id", ondelete="CASCADE"),
                                                       index=True)
    key: Mapped[str] = mapped_column(String(50))
    value: Mapped[str] = mapped_column(String(500))
    # The charger's answer (Accepted, Rejected, RebootRequired, NotSupported), or why none came.
    answer: Mapped[str] = mapped_column(String(300))
    requested_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class SettingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    value: str | None
    readonly: bool
    read_at: datetime


class ChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    key: str
    value: str
    answer: str
    requested_by: str | None
    created_at: datetime


def record_reported(uow: UnitOfWork, *, charge_point_id: uuid.UUID, answer: dict[str, Any], now: datetime) -> None:
    """A GetConfiguration answer: each reported key replaces what was kept for it."""
    entries = redact_settings(answer).get("configurationKey") or []
    kept = {s.key: s for s in uow.session.scalars(select(ChargerSetting).where(
        ChargerSetting.charge_point_id == charge_point_id))}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            continue
        setting = kept.get(entry["key"]) or ChargerSetting(charge_point_id=charge_point_id, key=entry["key"][:50])
        setting.value = None if entry.get("value") is None else str(entry["value"])[:500]
        setting.readonly, setting.read_at = bool(entry.get("readonly", False)), now
        uow.session.add(setting)


def record_change(uow: UnitOfWork, *, charge_point_id: uuid.UUID, payload: dict[str, Any], answer: str,
                  requested_by: str, now: datetime) -> None:
    cp = get_charge_point(uow, charge_point_id)
    shown = redact_settings(payload)
    uow.session.add(ConfigurationChange(account_id=cp.account_id, charge_point_id=cp.id,
                                        key=str(shown.get("key", ""))[:50], value=str(shown.get("value", ""))[:500],
                                        answer=answer[:300], requested_by=requested_by, created_at=now))


def settings_of(uow: UnitOfWork, charge_point_id: uuid.UUID) -> list[ChargerSetting]:
    get_charge_point(uow, charge_point_id)
    return list(uow.session.scalars(select(ChargerSetting).where(ChargerSetting.charge_point_id == charge_point_id)
                                    .order_by(ChargerSetting.key)))


def changes_of(uow: UnitOfWork, charge_point_id: uuid.UUID, *, limit: int,
               after: tuple[datetime, uuid.UUID] | None) -> list[ConfigurationChange]:
    get_charge_point(uow, charge_point_id)
    query = select(ConfigurationChange).where(ConfigurationChange.charge_point_id == charge_point_id)
    return list(uow.session.scalars(newest_first(query, ConfigurationChange, limit=limit, after=after)))
