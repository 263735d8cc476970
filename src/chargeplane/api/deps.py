"""What routes depend on: the app's services, and a `Tenancy`: the caller and their scope (from the
credential, never the URL; see `api.auth`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request

from chargeplane.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from chargeplane.bus import LocalBus
from chargeplane.config import Settings
from chargeplane.db import Database, Scope, UnitOfWork
from chargeplane.domain.assets.credentials import PasswordHashing
from chargeplane.domain.clock import Clock
from chargeplane.domain.identity.principal import Principal

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Services:
    db: Database
    bus: LocalBus
    settings: Settings
    hashing: PasswordHashing
    clock: Clock


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
Cursor = Annotated[str | None, Query(description="the next_cursor of the previous page")]


@dataclass(frozen=True, slots=True)
class Tenancy:
    """A route's door to the database with the caller's scope already bound."""

    services: Services
    scope: Scope
    principal: Principal

    async def read(self, fn: Callable[[UnitOfWork], T]) -> T:
        return await self.services.db.read(self.scope, fn)

    async def write(self, fn: Callable[[UnitOfWork], T]) -> T:
        return await self.services.db.write(self.scope, fn)


__all__ = ["DEFAULT_LIMIT", "Cursor", "Limit", "Services", "ServicesDep", "Tenancy"]
