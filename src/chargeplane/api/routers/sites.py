from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from chargeplane.api.auth import permit
from chargeplane.api.deps import Tenancy
from chargeplane.domain.assets import service
from chargeplane.domain.assets.schemas import SiteCreate, SiteRead
from chargeplane.domain.identity.permissions import Action, Resource

router = APIRouter(prefix="/sites", tags=["sites"])

CreateSite = Annotated[Tenancy, Depends(permit(Resource.SITE, Action.CREATE))]
ReadSite = Annotated[Tenancy, Depends(permit(Resource.SITE, Action.READ))]


@router.post("", response_model=SiteRead, status_code=201, operation_id="create_site")
async def create_site(body: SiteCreate, t: CreateSite) -> SiteRead:
    return await t.write(lambda uow: SiteRead.model_validate(service.create_site(uow, **body.model_dump())))


@router.get("", response_model=list[SiteRead], operation_id="list_sites")
async def list_sites(t: ReadSite) -> list[SiteRead]:
    return await t.read(lambda uow: [SiteRead.model_validate(s) for s in service.list_sites(uow)])


@router.get("/{site_id}", response_model=SiteRead, operation_id="get_site")
async def get_site(site_id: uuid.UUID, t: ReadSite) -> SiteRead:
    return await t.read(lambda uow: SiteRead.model_validate(service.get_site(uow, site_id)))
