from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from chargeplane.api.auth import permit
from chargeplane.api.deps import Tenancy
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.tenancy import service
from chargeplane.domain.tenancy.schemas import TenantRead, TenantUpdate
from chargeplane.domain.tenancy.tenant_settings import update_tenant_settings

router = APIRouter(prefix="/tenant", tags=["tenant"])

ReadTenant = Annotated[Tenancy, Depends(permit(Resource.TENANT, Action.READ))]
UpdateTenant = Annotated[Tenancy, Depends(permit(Resource.TENANT, Action.UPDATE))]


@router.get("", response_model=TenantRead, operation_id="get_tenant")
async def get_tenant(t: ReadTenant) -> TenantRead:
    return await t.read(lambda uow: TenantRead.model_validate(service.get_tenant(uow)))


@router.patch("", response_model=TenantRead, operation_id="update_tenant")
async def update_tenant(body: TenantUpdate, t: UpdateTenant) -> TenantRead:
    """Branding, languages, currency, time zone and support links. A new terms or privacy link raises
    `terms_version`: users accept the new version at their next sign-in."""
    changes = body.model_dump(exclude_unset=True)
    now = t.services.clock.now()
    return await t.write(lambda uow: TenantRead.model_validate(
        update_tenant_settings(uow, changes=changes, actor=t.principal, now=now)))
