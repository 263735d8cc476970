"""Campaigns: choosing the chargers, the next batch to send, progress from the chargers' reports,
retries, cancel, the summary."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.models import ChargePoint
from chargeplane.domain.audit.service import record
from chargeplane.domain.errors import Conflict, Invalid, NotFound
from chargeplane.domain.firmware.events import CampaignStarted
from chargeplane.domain.firmware.models import FirmwareCampaign, FirmwareTarget
from chargeplane.domain.firmware.schemas import CampaignCreate, CampaignRead, CampaignSummary
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.keyset import newest_first

IN_FLIGHT = ("sent", "downloading", "downloaded", "installing")
# FirmwareStatusNotification (1.6) → a target's progress; failures are retried while attempts last.
PROGRESS = {"Downloading": "downloading", "Downloaded": "downloaded", "Installing": "installing",
            "Installed": "installed"}
FAILURES = frozenset({"DownloadFailed", "InstallationFailed"})


def _chosen(uow: UnitOfWork, selection: dict[str, Any]) -> list[tuple[uuid.UUID, str | None]]:
    query = select(ChargePoint.id, ChargePoint.firmware_version).where(ChargePoint.registration_status == "accepted")
    for field in ("vendor", "model", "firmware_version"):
        if selection.get(field):
            query = query.where(getattr(ChargePoint, field) == selection[field])
    if selection.get("site_id"):
        query = query.where(ChargePoint.site_id == uuid.UUID(str(selection["site_id"])))
    if selection.get("charge_point_ids"):
        query = query.where(ChargePoint.id.in_([uuid.UUID(str(i)) for i in selection["charge_point_ids"]]))
    return [(row.id, row.firmware_version) for row in uow.session.execute(query.order_by(ChargePoint.identity))]


def preview(uow: UnitOfWork, *, body: CampaignCreate) -> int:
    return len(_chosen(uow, body.selection.model_dump(mode="json", exclude_none=True)))


def create_campaign(uow: UnitOfWork, *, body: CampaignCreate, actor: Principal, now: datetime) -> FirmwareCampaign:
    selection = body.selection.model_dump(mode="json", exclude_none=True)
    chosen = _chosen(uow, selection)
    if not chosen:
        raise Invalid("no charger matches this selection", field="selection")
    busy = uow.session.scalar(select(func.count()).select_from(FirmwareTarget).join(
        FirmwareCampaign, FirmwareCampaign.id == FirmwareTarget.campaign_id).where(
        FirmwareCampaign.status == "running", FirmwareTarget.status.in_(("pending", *IN_FLIGHT)),
        FirmwareTarget.charge_point_id.in_([cp for cp, _ in chosen])))
    if busy:
        raise Conflict("%(busy)s of these chargers are in another running campaign; cancel it or narrow the selection",
                       busy=busy)
    campaign = FirmwareCampaign(name=body.name, location=body.location, retrieve_date=body.retrieve_date,
                                selection=selection, batch_size=body.batch_size, max_attempts=body.max_attempts,
                                status="running", created_by=actor.label, created_at=now)
    uow.session.add(campaign)
    uow.session.flush()
    for charge_point_id, version in chosen:
        uow.session.add(FirmwareTarget(campaign_id=campaign.id, charge_point_id=charge_point_id, status="pending",
                                       firmware_before=version, updated_at=now))
    uow.publish(CampaignStarted(uow.tenant_id, campaign.id))
    record(uow, actor=actor, action="firmware_campaign.create", object_type="firmware_campaign",
           object_id=campaign.id, at=now, after={"name": body.name, "location": body.location,
                                                  "chargers": len(chosen)})
    return campaign


def get_campaign(uow: UnitOfWork, campaign_id: uuid.UUID) -> FirmwareCampaign:
    campaign = uow.session.get(FirmwareCampaign, campaign_id)
    if campaign is None:
        raise NotFound("firmware campaign not found")
    return campaign


def summary(uow: UnitOfWork, campaign: FirmwareCampaign) -> CampaignSummary:
    counts = _by_status(uow, FirmwareTarget.campaign_id == campaign.id)
    return CampaignSummary(**CampaignRead.model_validate(campaign).model_dump(), targets=sum(counts.values()),
                           by_status=counts)


def _by_status(uow: UnitOfWork, *conditions: ColumnElement[bool]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status, n in uow.session.execute(select(FirmwareTarget.status, func.count()).where(*conditions)
                                         .group_by(FirmwareTarget.status)):
        counts[str(status)] = int(n)
    return counts


def list_campaigns(uow: UnitOfWork, *, limit: int, after: tuple[datetime, uuid.UUID] | None) -> list[FirmwareCampaign]:
    return list(uow.session.scalars(newest_first(select(FirmwareCampaign), FirmwareCampaign, limit=limit,
                                                 after=after)))


def targets_of(uow: UnitOfWork, campaign_id: uuid.UUID) -> list[FirmwareTarget]:
    get_campaign(uow, campaign_id)
    return list(uow.session.scalars(select(FirmwareTarget).where(FirmwareTarget.campaign_id == campaign_id)
                                    .order_by(FirmwareTarget.updated_at, FirmwareTarget.id)))


def cancel(uow: UnitOfWork, *, campaign_id: uuid.UUID, actor: Principal, now: datetime) -> FirmwareCampaign:
    """Chargers not yet sent the firmware are left alone; those already updating finish on their own."""
    campaign = get_campaign(uow, campaign_id)
    if campaign.status != "running":
        raise Conflict("the campaign is %(status)s already", status=campaign.status)
    uow.session.execute(update(FirmwareTarget).where(FirmwareTarget.campaign_id == campaign_id,
                                                     FirmwareTarget.status == "pending")
                        .values(status="cancelled", updated_at=now))
    campaign.status, campaign.finished_at = "cancelled", now
    record(uow, actor=actor, action="firmware_campaign.cancel", object_type="firmware_campaign",
           object_id=campaign.id, at=now)
    return campaign


def next_batch(uow: UnitOfWork, *, campaign_id: uuid.UUID, connected: Callable[[uuid.UUID], bool], now: datetime
               ) -> list[tuple[uuid.UUID, uuid.UUID, dict[str, Any]]]:
    """(target, charger, UpdateFirmware payload) to send now: connected pending chargers, as many as
    the batch has room for; marks them sent. A campaign with nothing left to do completes."""
    campaign = get_campaign(uow, campaign_id)
    if campaign.status != "running":
        return []
    open_targets = _by_status(uow, FirmwareTarget.campaign_id == campaign_id,
                              FirmwareTarget.status.in_(("pending", *IN_FLIGHT)))
    if not open_targets:
        campaign.status, campaign.finished_at = "completed", now
        return []
    room = campaign.batch_size - sum(n for status, n in open_targets.items() if status in IN_FLIGHT)
    if room <= 0:
        return []
    pending = uow.session.scalars(select(FirmwareTarget).where(
        FirmwareTarget.campaign_id == campaign_id, FirmwareTarget.status == "pending")
        .order_by(FirmwareTarget.attempts, FirmwareTarget.updated_at, FirmwareTarget.id))
    chosen = [t for t in pending if connected(t.charge_point_id)][:room]
    for target in chosen:
        target.status, target.attempts, target.sent_at, target.updated_at = "sent", target.attempts + 1, now, now
    payload = {"location": campaign.location, "retrieveDate": (campaign.retrieve_date or now).isoformat()}
    return [(t.id, t.charge_point_id, payload) for t in chosen]


def record_send_failure(uow: UnitOfWork, *, target_id: uuid.UUID, error: str, now: datetime) -> None:
    target = uow.session.get(FirmwareTarget, target_id)
    if target is None:
        return
    campaign = get_campaign(uow, target.campaign_id)
    target.last_error, target.updated_at = error[:300], now
    target.status = "failed" if target.attempts >= campaign.max_attempts else "pending"


def record_progress(uow: UnitOfWork, *, charge_point_id: uuid.UUID, status: str, at: datetime) -> None:
    """A FirmwareStatusNotification: the charger's target in a running campaign moves on; a failure
    goes back to pending while attempts remain (Idle says nothing)."""
    target = uow.session.scalar(select(FirmwareTarget).join(
        FirmwareCampaign, FirmwareCampaign.id == FirmwareTarget.campaign_id).where(
        FirmwareTarget.charge_point_id == charge_point_id, FirmwareTarget.status.in_(IN_FLIGHT)).limit(1))
    if target is None:
        return
    target.last_report, target.updated_at = status, at
    if status in PROGRESS:
        target.status = PROGRESS[status]
    elif status in FAILURES:
        campaign = get_campaign(uow, target.campaign_id)
        target.last_error = status
        target.status = "failed" if target.attempts >= campaign.max_attempts else "pending"


def running_campaigns(uow: UnitOfWork) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant, campaign) of every running campaign (installation scope: the job's view)."""
    rows = uow.session.execute(select(FirmwareCampaign.tenant_id, FirmwareCampaign.id)
                               .where(FirmwareCampaign.status == "running")).all()
    return [(tenant_id, campaign_id) for tenant_id, campaign_id in rows]
