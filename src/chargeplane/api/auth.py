"""Who is calling, from the credential alone: an API key or a driver-app token (`Authorization:
Bearer`), or a portal session cookie (with its CSRF token on every unsafe request)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from chargeplane.api.deps import Services, ServicesDep, Tenancy
from chargeplane.api.problems import ApiError
from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.identity.logins import (
    LoginCheck,
    authenticate_login,
    csrf_token_for,
    touch_login_session,
)
from chargeplane.domain.identity.permissions import Action, Resource, Role
from chargeplane.domain.identity.principal import Principal, scope_for
from chargeplane.domain.tenancy.service import authenticate_api_key, key_use_is_stale, record_api_key_use

SESSION_COOKIE = "chargeplane_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_bearer = HTTPBearer(auto_error=False, description="an API key (`cpk_...`) or a driver-app token (`cps_...`)")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="a portal login session")


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


async def _from_api_key(services: Services, secret: str, source: str | None) -> Principal:
    now = services.clock.now()

    def check(uow: UnitOfWork) -> tuple[Principal, bool] | None:
        key = authenticate_api_key(uow, secret=secret)
        if key is None:
            return None
        return Principal(tenant_id=key.tenant_id, kind="api_key", id=key.id, label=key.name,
                         memberships=((Role(key.role), key.account_id),), source_address=source), \
            key_use_is_stale(key, now)

    found = await services.db.read(Scope.installation("API key check"), check)
    if found is None:
        raise ApiError(401, "unauthorized", "the API key is not valid")
    principal, stale = found
    if stale:
        await services.db.write(Scope.tenant(principal.tenant_id),
                                lambda uow: record_api_key_use(uow, key_id=principal.id, at=now))
    return principal


async def check_login(services: Services, secret: str, kind: str, source: str | None) -> LoginCheck | None:
    """The live login session behind a cookie or app token of `kind`, its last use recorded; None if
    there is none (ended, expired, revoked, or of the other kind)."""
    now = services.clock.now()
    check = await services.db.read(Scope.installation("login session check"),
                                   lambda uow: authenticate_login(uow, secret=secret, now=now, source_address=source))
    if check is None or check.kind != kind:
        return None
    if check.touch:
        session_id = check.principal.login_session_id
        assert session_id is not None
        await services.db.write(Scope.tenant(check.principal.tenant_id),
                                lambda uow: touch_login_session(uow, session_id=session_id, now=now))
    return check


async def _from_login(services: Services, secret: str, kind: str, source: str | None) -> LoginCheck:
    check = await check_login(services, secret, kind, source)
    if check is None:
        raise ApiError(401, "unauthorized", "the session has ended or is not valid; log in again")
    return check


async def get_principal(
    request: Request,
    services: ServicesDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    source = client_address(request)
    if bearer is not None and bearer.scheme.lower() == "bearer":
        secret = bearer.credentials
        if secret.startswith("cps_"):
            return (await _from_login(services, secret, "bearer", source)).principal
        return await _from_api_key(services, secret, source)
    if cookie:
        check = await _from_login(services, cookie, "cookie", source)
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent.encode(), csrf_token_for(cookie).encode()):
                raise ApiError(403, "csrf-failed", f"the {CSRF_HEADER} header is missing or wrong")
        return check.principal
    raise ApiError(401, "unauthorized", "credentials are required: Authorization: Bearer <API key or token>")


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def permit(resource: Resource, action: Action) -> Callable[..., Awaitable[Tenancy]]:
    """A dependency that lets the call through only if the caller's roles allow `action` on
    `resource`, and hands the route a `Tenancy` with the caller's scope."""

    async def dependency(services: ServicesDep, principal: PrincipalDep) -> Tenancy:
        principal.require(resource, action)
        return await tenancy_for(services, principal)

    return dependency


async def tenancy_for(services: Services, principal: Principal) -> Tenancy:
    if principal.tenant_wide:
        scope = Scope.tenant(principal.tenant_id)
    else:
        tenant = Scope.tenant(principal.tenant_id)
        scope = await services.db.read(tenant, lambda uow: scope_for(uow, principal))
    return Tenancy(services, scope, principal)
