"""Tariffs: price models on charge points, sites, accounts or the whole tenant (OCPI 2.2.1 elements)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.pricing import service
from chargeplane.domain.pricing.schemas import Audience, TariffCreate, TariffRead, TariffUpdate

router = APIRouter(prefix="/tariffs", tags=["tariffs"])

CreateTariff = Annotated[Tenancy, Depends(permit(Resource.TARIFF, Action.CREATE))]
ReadTariff = Annotated[Tenancy, Depends(permit(Resource.TARIFF, Action.READ))]
UpdateTariff = Annotated[Tenancy, Depends(permit(Resource.TARIFF, Action.UPDATE))]
DeleteTariff = Annotated[Tenancy, Depends(permit(Resource.TARIFF, Action.DELETE))]


@router.post("", response_model=TariffRead, status_code=201, operation_id="create_tariff")
async def create_tariff(body: TariffCreate, t: CreateTariff, response: Response) -> TariffRead:
    """Mistakes in the elements answer 422 with `field` pointing at them (`elements[1].restrictions.start_time`)."""
    fields, now = body.model_dump(), t.services.clock.now()
    tariff = await t.write(lambda uow: TariffRead.model_validate(
        service.create_tariff(uow, fields=fields, actor=t.principal, now=now)))
    response.headers["Location"] = f"/api/v1/tariffs/{tariff.id}"
    return tariff


@router.get("", response_model=Page[TariffRead], operation_id="list_tariffs")
async def list_tariffs(t: ReadTariff, site_id: uuid.UUID | None = None, charge_point_id: uuid.UUID | None = None,
                       audience: Audience | None = None, account_id: uuid.UUID | None = None,
                       limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: [TariffRead.model_validate(x) for x in service.list_tariffs(
        uow, site_id=site_id, charge_point_id=charge_point_id, audience=audience, account_id=account_id,
        limit=limit, after=after)])
    return page(rows, rows, limit)


@router.get("/{tariff_id}", response_model=TariffRead, operation_id="get_tariff")
async def get_tariff(tariff_id: uuid.UUID, t: ReadTariff) -> TariffRead:
    return await t.read(lambda uow: TariffRead.model_validate(service.get_tariff(uow, tariff_id)))


@router.patch("/{tariff_id}", response_model=TariffRead, operation_id="update_tariff")
async def update_tariff(tariff_id: uuid.UUID, body: TariffUpdate, t: UpdateTariff) -> TariffRead:
    """Sessions already started keep the tariff frozen at their start."""
    changes, now = body.model_dump(exclude_unset=True), t.services.clock.now()
    return await t.write(lambda uow: TariffRead.model_validate(
        service.update_tariff(uow, tariff_id, changes=changes, actor=t.principal, now=now)))


@router.delete("/{tariff_id}", status_code=204, operation_id="delete_tariff")
async def delete_tariff(tariff_id: uuid.UUID, t: DeleteTariff) -> Response:
    """Sessions and CDRs that used it keep their own copy; to withdraw a tariff but keep it, PATCH
    `active: false`."""
    now = t.services.clock.now()
    await t.write(lambda uow: service.delete_tariff(uow, tariff_id, actor=t.principal, now=now))
    return Response(status_code=204)
