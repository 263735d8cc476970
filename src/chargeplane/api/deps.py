"""What routes depend on: the app's services and the caller's scope (from the API key, never the URL)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chargeplane.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from chargeplane.api.problems import ApiError
from chargeplane.bus import LocalBus
from chargeplane.config import Settings
from chargeplane.db import Database, Scope, UnitOfWork
from chargeplane.domain.assets.credentials import PasswordHashing
from chargeplane.domain.tenancy.service import authenticate_api_key

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Services:
    db: Database
    bus: LocalBus
    settings: Settings
    hashing: PasswordHashing


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

_bearer = HTTPBearer(auto_error=False, description="a tenant API key: `Authorization: Bearer cpk_...`")


async def get_scope(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Scope:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "unauthorized", "an API key is required: Authorization: Bearer <key>")
    secret = credentials.credentials
    tenant_id = await services.db.read(Scope.installation("API key check"),
                                       lambda uow: authenticate_api_key(uow, secret=secret))
    if tenant_id is None:
        raise ApiError(401, "unauthorized", "the API key is not valid")
    return Scope.tenant(tenant_id)


ScopeDep = Annotated[Scope, Depends(get_scope)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
Cursor = Annotated[str | None, Query(description="the next_cursor of the previous page")]


@dataclass(frozen=True, slots=True)
class Tenancy:
    """A route's door to the database with the caller's scope already bound."""

    services: Services
    scope: Scope

    async def read(self, fn: Callable[[UnitOfWork], T]) -> T:
        return await self.services.db.read(self.scope, fn)

    async def write(self, fn: Callable[[UnitOfWork], T]) -> T:
        return await self.services.db.write(self.scope, fn)


async def get_tenancy(services: ServicesDep, scope: ScopeDep) -> Tenancy:
    return Tenancy(services, scope)


TenancyDep = Annotated[Tenancy, Depends(get_tenancy)]

__all__ = ["DEFAULT_LIMIT", "Cursor", "Limit", "Services", "ServicesDep", "TenancyDep"]
