"""Charge detail records: issued when a session completes, read here, corrected by new versions, never edited."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import AwareDatetime

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.api.problems import Problem
from chargeplane.db import UnitOfWork
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.pricing import cdr_queries
from chargeplane.domain.pricing.cdr_schemas import CdrCorrection, CdrRead
from chargeplane.domain.pricing.cdrs import correct_cdr

router = APIRouter(prefix="/cdrs", tags=["charge detail records"])

ReadCdr = Annotated[Tenancy, Depends(permit(Resource.CDR, Action.READ))]
CorrectCdr = Annotated[Tenancy, Depends(permit(Resource.CDR, Action.CREATE))]


@router.get("", response_model=Page[CdrRead], operation_id="list_cdrs")
async def list_cdrs(
    t: ReadCdr,
    session_id: uuid.UUID | None = None,
    charge_point_id: uuid.UUID | None = None,
    stopped_from: AwareDatetime | None = None,
    stopped_to: AwareDatetime | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Newest first, every version (a correction is a record of its own). `stopped_from` is inclusive,
    `stopped_to` exclusive: the session's stop time."""
    where = cdr_queries.CdrFilter(session_id=session_id, charge_point_id=charge_point_id,
                                  stopped_from=stopped_from, stopped_to=stopped_to)
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: cdr_queries.list_cdrs(uow, where=where, limit=limit, after=after))
    return page(rows, rows, limit)


@router.get("/{cdr_id}", response_model=CdrRead, operation_id="get_cdr")
async def get_cdr(cdr_id: uuid.UUID, t: ReadCdr) -> CdrRead:
    return await t.read(lambda uow: cdr_queries.get_cdr(uow, cdr_id))


@router.post("/{cdr_id}/corrections", response_model=CdrRead, status_code=201, operation_id="correct_cdr",
             responses={404: {"model": Problem, "description": "no such CDR"},
                        409: {"model": Problem, "description": "this version was already corrected"},
                        422: {"model": Problem, "description": "the tariff given is not valid"}})
async def create_correction(cdr_id: uuid.UUID, body: CdrCorrection, t: CorrectCdr, response: Response) -> CdrRead:
    """A new version of the CDR, re-priced from the session's readings with `tariff` (or the tariff priced
    before); the corrected version stays as it was. Only the latest version can be corrected."""
    now = t.services.clock.now()

    def unit(uow: UnitOfWork) -> CdrRead:
        cdr = correct_cdr(uow, cdr_id=cdr_id, reason=body.reason, tariff_snapshot=body.tariff, actor=t.principal,
                          now=now)
        return cdr_queries.reads(uow, [cdr])[0]

    read = await t.write(unit)
    response.headers["Location"] = f"/api/v1/cdrs/{read.id}"
    return read
