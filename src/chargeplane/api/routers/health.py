from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from chargeplane.api.deps import ServicesDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str


@router.get("/health", response_model=Health, operation_id="health",
            responses={503: {"model": Health, "description": "the database does not answer"}})
async def health(services: ServicesDep) -> JSONResponse:
    ok = await services.db.ping()
    body = Health(status="ok" if ok else "unavailable", database="ok" if ok else "unreachable")
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
