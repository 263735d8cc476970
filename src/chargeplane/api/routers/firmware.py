"""Firmware campaigns: one firmware to the chargers a selection chooses, in batches, with progress
per charger, retries, cancel and a summary. `jobs/firmware.py` runs them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.domain.firmware import service
from chargeplane.domain.firmware.schemas import CampaignCreate, CampaignSummary, TargetRead
from chargeplane.domain.identity.permissions import Action, Resource

router = APIRouter(prefix="/firmware-campaigns", tags=["firmware"])

Read = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.READ))]
Run = Annotated[Tenancy, Depends(permit(Resource.CHARGE_POINT, Action.COMMAND))]


class Preview(BaseModel):
    chargers: int


@router.post("/preview", response_model=Preview, operation_id="preview_firmware_campaign")
async def preview(body: CampaignCreate, t: Run) -> Preview:
    """How many chargers the selection chooses, without starting anything."""
    return Preview(chargers=await t.read(lambda uow: service.preview(uow, body=body)))


@router.post("", response_model=CampaignSummary, status_code=201, operation_id="create_firmware_campaign")
async def create(body: CampaignCreate, t: Run, response: Response) -> CampaignSummary:
    """Start a campaign: the chargers the selection chooses now (accepted ones, not in another running
    campaign) receive UpdateFirmware, `batch_size` at a time, as they are connected."""
    now = t.services.clock.now()
    created = await t.write(lambda uow: service.summary(uow, service.create_campaign(
        uow, body=body, actor=t.principal, now=now)))
    response.headers["Location"] = f"/api/v1/firmware-campaigns/{created.id}"
    return created


@router.get("", response_model=Page[CampaignSummary], operation_id="list_firmware_campaigns")
async def list_campaigns(t: Read, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: [service.summary(uow, c) for c in service.list_campaigns(
        uow, limit=limit, after=after)])
    return page(rows, rows, limit)


@router.get("/{campaign_id}", response_model=CampaignSummary, operation_id="get_firmware_campaign")
async def get_campaign(campaign_id: uuid.UUID, t: Read) -> CampaignSummary:
    return await t.read(lambda uow: service.summary(uow, service.get_campaign(uow, campaign_id)))


@router.get("/{campaign_id}/targets", response_model=list[TargetRead], operation_id="list_firmware_targets")
async def targets(campaign_id: uuid.UUID, t: Read) -> list[TargetRead]:
    """Each charger's progress: pending, sent, downloading, downloaded, installing, installed, failed,
    cancelled; with attempts and the charger's last report."""
    return await t.read(lambda uow: [TargetRead.model_validate(x) for x in service.targets_of(uow, campaign_id)])


@router.post("/{campaign_id}/cancel", response_model=CampaignSummary, operation_id="cancel_firmware_campaign")
async def cancel(campaign_id: uuid.UUID, t: Run) -> CampaignSummary:
    """Chargers not yet sent the firmware are left alone; those updating finish on their own."""
    now = t.services.clock.now()
    return await t.write(lambda uow: service.summary(uow, service.cancel(
        uow, campaign_id=campaign_id, actor=t.principal, now=now)))
