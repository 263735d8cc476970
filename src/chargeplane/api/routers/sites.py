from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from chargeplane.api import import_flows
from chargeplane.api.auth import permit
from chargeplane.api.deps import Tenancy
from chargeplane.db import UnitOfWork
from chargeplane.domain.assets import management, service
from chargeplane.domain.assets.schemas import SiteCreate, SiteRead, SiteUpdate
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.tokens.schemas import ImportResult

router = APIRouter(prefix="/sites", tags=["sites"])

CreateSite = Annotated[Tenancy, Depends(permit(Resource.SITE, Action.CREATE))]
ReadSite = Annotated[Tenancy, Depends(permit(Resource.SITE, Action.READ))]
UpdateSite = Annotated[Tenancy, Depends(permit(Resource.SITE, Action.UPDATE))]
DeleteSite = Annotated[Tenancy, Depends(permit(Resource.SITE, Action.DELETE))]


@router.post("", response_model=SiteRead, status_code=201, operation_id="create_site")
async def create_site(body: SiteCreate, t: CreateSite) -> SiteRead:
    fields, now = body.model_dump(), t.services.clock.now()
    return await t.write(lambda uow: SiteRead.model_validate(
        management.create_site(uow, fields=fields, actor=t.principal, now=now)))


@router.post(
    "/import", response_model=ImportResult, status_code=201, operation_id="import_sites",
    responses=import_flows.IMPORT_RESPONSES,
)
async def import_sites(request: Request, t: CreateSite,
                       file: Annotated[UploadFile, File(description="CSV or XLSX; first row: column names")],
                       ) -> ImportResult | JSONResponse:
    """Import sites from a CSV or XLSX file: every row, or none. Columns (header row): name, address,
    latitude, longitude, time_zone, account_id."""
    return await import_flows.api_import(request, t, file, import_flows.import_sites)


@router.get("", response_model=list[SiteRead], operation_id="list_sites")
async def list_sites(t: ReadSite) -> list[SiteRead]:
    return await t.read(lambda uow: [SiteRead.model_validate(s) for s in service.list_sites(uow)])


@router.get("/{site_id}", response_model=SiteRead, operation_id="get_site")
async def get_site(site_id: uuid.UUID, t: ReadSite) -> SiteRead:
    return await t.read(lambda uow: SiteRead.model_validate(service.get_site(uow, site_id)))


@router.patch("/{site_id}", response_model=SiteRead, operation_id="update_site")
async def update_site(site_id: uuid.UUID, body: SiteUpdate, t: UpdateSite) -> SiteRead:
    """A site's account and its chargers' accounts need not match (a shared car park's chargers may
    belong to residents)."""
    changes, now = body.model_dump(exclude_unset=True), t.services.clock.now()

    def unit(uow: UnitOfWork) -> SiteRead:
        return SiteRead.model_validate(management.update_site(uow, site_id, changes=changes, actor=t.principal,
                                                              now=now))

    return await t.write(unit)


@router.delete("/{site_id}", status_code=204, operation_id="delete_site")
async def delete_site(site_id: uuid.UUID, t: DeleteSite) -> Response:
    """Its charge points stay, without a site."""
    now = t.services.clock.now()
    await t.write(lambda uow: management.delete_site(uow, site_id, actor=t.principal, now=now))
    return Response(status_code=204)
