"""The REST API: `/api/v1/<area>` routers, API-key auth, RFC 9457 problems."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from chargeplane import __version__
from chargeplane.api import problems
from chargeplane.api.deps import Services
from chargeplane.api.routers import (
    access_grants,
    accounts,
    alarms,
    api_keys,
    audit,
    authentication,
    cdrs,
    charge_points,
    commands,
    customer_groups,
    diagnostics,
    firmware,
    fleet,
    health,
    id_tokens,
    invitations,
    invoices,
    local_lists,
    me,
    outbox,
    reports,
    reservations,
    sessions,
    sites,
    smart_charging,
    tariffs,
    tenant,
    users,
    webhooks,
)

API_PREFIX = "/api/v1"


def create_api(services: Services) -> FastAPI:
    app = FastAPI(
        title="chargeplane",
        version=__version__,
        description="The operator API of chargeplane, an open-source charge station management system.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.services = services
    problems.install(app)
    v1 = APIRouter(prefix=API_PREFIX)
    v1.include_router(commands.queued_router)
    for module in (tenant, accounts, users, invitations, authentication, api_keys, audit, outbox, sites,
                   charge_points, commands, fleet, reservations, local_lists, diagnostics, firmware, alarms, id_tokens,
                   smart_charging, customer_groups, access_grants, tariffs, sessions, cdrs, invoices, webhooks, reports,
                   me):
        v1.include_router(module.router)
    app.include_router(v1)
    app.include_router(health.router)
    return app
