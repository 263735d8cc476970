"""Alarms from what a charger reports, raised in the unit of work that records the report."""

from __future__ import annotations

import uuid
from datetime import datetime

from chargeplane.db import UnitOfWork
from chargeplane.domain.alarms.causes import cause_key
from chargeplane.domain.alarms.service import clear_cause, raise_alarm

FIRMWARE_FAILURES = frozenset({"DownloadFailed", "InstallationFailed"})


def boot_answered(uow: UnitOfWork, *, charge_point_id: uuid.UUID, status: str, at: datetime, base_url: str) -> None:
    key = cause_key("boot_rejected", charge_point_id)
    if status == "Rejected":
        raise_alarm(uow, cause="boot_rejected", key=key, at=at, charge_point_id=charge_point_id,
                    detail="the charger is not accepted here", base_url=base_url)
    elif status == "Accepted":
        clear_cause(uow, key=key, at=at)


def firmware_reported(uow: UnitOfWork, *, charge_point_id: uuid.UUID, status: str, at: datetime,
                      base_url: str) -> None:
    key = cause_key("firmware_failed", charge_point_id)
    if status in FIRMWARE_FAILURES:
        raise_alarm(uow, cause="firmware_failed", key=key, at=at, charge_point_id=charge_point_id, detail=status,
                    base_url=base_url)
    elif status == "Installed":
        clear_cause(uow, key=key, at=at)


def security_event(uow: UnitOfWork, *, charge_point_id: uuid.UUID, kind: str, tech_info: object, at: datetime,
                   base_url: str) -> None:
    detail = f"{kind}: {tech_info}" if tech_info else kind
    raise_alarm(uow, cause="security_event", key=cause_key("security_event", charge_point_id, kind), at=at,
                charge_point_id=charge_point_id, detail=detail, base_url=base_url)
