from __future__ import annotations

import uuid

from fastapi import APIRouter

from chargeplane.api.deps import TenancyDep
from chargeplane.domain.assets import service
from chargeplane.domain.assets.schemas import SiteCreate, SiteRead

router = APIRouter(prefix="/sites", tags=["sites"])


@router.post("", response_model=SiteRead, status_code=201, operation_id="create_site")
async def create_site(body: SiteCreate, t: TenancyDep) -> SiteRead:
    return await t.write(lambda uow: SiteRead.model_validate(service.create_site(uow, **body.model_dump())))


@router.get("", response_model=list[SiteRead], operation_id="list_sites")
async def list_sites(t: TenancyDep) -> list[SiteRead]:
    return await t.read(lambda uow: [SiteRead.model_validate(s) for s in service.list_sites(uow)])


@router.get("/{site_id}", response_model=SiteRead, operation_id="get_site")
async def get_site(site_id: uuid.UUID, t: TenancyDep) -> SiteRead:
    return await t.read(lambda uow: SiteRead.model_validate(service.get_site(uow, site_id)))
