from __future__ import annotations

from fastapi import APIRouter

from chargeplane.api.deps import TenancyDep
from chargeplane.domain.tenancy import service
from chargeplane.domain.tenancy.schemas import TenantRead, TenantUpdate

router = APIRouter(prefix="/tenant", tags=["tenant"])


@router.get("", response_model=TenantRead, operation_id="get_tenant")
async def get_tenant(t: TenancyDep) -> TenantRead:
    return await t.read(lambda uow: TenantRead.model_validate(service.get_tenant(uow)))


@router.patch("", response_model=TenantRead, operation_id="update_tenant")
async def update_tenant(body: TenantUpdate, t: TenancyDep) -> TenantRead:
    changes = body.model_dump(exclude_unset=True)
    return await t.write(lambda uow: TenantRead.model_validate(service.update_tenant(uow, **changes)))
