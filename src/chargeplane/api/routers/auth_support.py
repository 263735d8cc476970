"""What the authentication routes share (the API's and the portal's): the tenant named by a slug, the
process's login throttle, Argon2 off the event loop, the whole login, the caller as a user, and the
portal's session cookie."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Request, Response

from chargeplane.api.auth import SESSION_COOKIE, PrincipalDep
from chargeplane.api.deps import Services, Tenancy
from chargeplane.api.problems import ApiError
from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.errors import NotFound
from chargeplane.domain.identity.login import LoginFailed, TotpRequired, finish_login, login_candidate
from chargeplane.domain.identity.logins import IssuedLogin
from chargeplane.domain.identity.models import User
from chargeplane.domain.identity.passwords import needs_rehash, verify_password
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.identity.throttle import LoginThrottle
from chargeplane.domain.tenancy.service import get_tenant_by_slug

log = logging.getLogger(__name__)

T = TypeVar("T")

# Argon2 runs take ~19 MiB each: a burst of logins must not take a thread and that much memory apiece.
HASHING_SLOTS = 4


class AuthState:
    """Per-app state of the authentication routes (kept on the FastAPI app, made on first use)."""

    def __init__(self) -> None:
        self.throttle = LoginThrottle()
        self.hash_slots = asyncio.Semaphore(HASHING_SLOTS)


def auth_state(request: Request) -> AuthState:
    state: AuthState | None = getattr(request.app.state, "auth", None)
    if state is None:
        state = request.app.state.auth = AuthState()
    return state


AuthStateDep = Annotated[AuthState, Depends(auth_state)]


async def off_loop(state: AuthState, fn: Callable[..., T], *args: object) -> T:
    """Run slow password work (hash, verify) in a thread, a few at a time."""
    async with state.hash_slots:
        return await asyncio.to_thread(fn, *args)


async def tenant_for_slug(services: Services, slug: str) -> uuid.UUID:
    """The tenant an unauthenticated request names. Looking it up crosses tenants, on purpose and by name."""
    def find(uow: UnitOfWork) -> uuid.UUID | None:
        tenant = get_tenant_by_slug(uow, slug)
        return tenant.id if tenant else None

    tenant_id = await services.db.read(Scope.installation("a sign-in names its tenant by slug"), find)
    if tenant_id is None:
        raise NotFound(f"there is no tenant {slug!r}", field="tenant")
    return tenant_id


async def log_in(services: Services, state: AuthState, *, tenant_id: uuid.UUID, email: str, password: str,
                 totp_code: str | None, kind: str, address: str | None, user_agent: str | None,
                 describe: Callable[[UnitOfWork, User, IssuedLogin], T]) -> tuple[T, IssuedLogin]:
    """The whole login, throttled: the password checked off the loop, then `finish_login` in one
    write whose answer `describe` builds from the user and the new session. Raises LoginFailed,
    TotpRequired or TooManyAttempts."""
    now = services.clock.now()
    state.throttle.check(tenant_id=tenant_id, email=email, address=address, now=now)
    scope = Scope.tenant(tenant_id)
    candidate = await services.db.read(scope, lambda uow: login_candidate(uow, email=email))
    right = await off_loop(state, verify_password, services.hashing, candidate.password_hash, password)
    if not right or candidate.user_id is None or candidate.password_hash is None:
        state.throttle.failed(tenant_id=tenant_id, email=email, address=address, now=now)
        log.info("failed login at tenant %s from %s (user %s)", tenant_id, address, candidate.user_id or "unknown")
        raise LoginFailed()
    user_id, verified_hash = candidate.user_id, candidate.password_hash
    new_hash = (await off_loop(state, services.hashing.hash, password)
                if needs_rehash(services.hashing, verified_hash) else None)

    def unit(uow: UnitOfWork) -> tuple[T, IssuedLogin]:
        user, issued = finish_login(uow, user_id=user_id, verified_hash=verified_hash, totp_code=totp_code,
                                    kind=kind, now=now, new_hash=new_hash, source_address=address,
                                    user_agent=user_agent)
        return describe(uow, user, issued), issued

    try:
        result = await services.db.write(scope, unit)
    except (LoginFailed, TotpRequired) as exc:
        if not isinstance(exc, TotpRequired) or exc.wrong:
            state.throttle.failed(tenant_id=tenant_id, email=email, address=address, now=now)
            log.info("failed login at tenant %s from %s (user %s: %s)", tenant_id, address, user_id, exc.code)
        raise
    state.throttle.succeeded(tenant_id=tenant_id, email=email)
    return result


async def user_principal(principal: PrincipalDep) -> Principal:
    if principal.kind != "user":
        raise ApiError(403, "forbidden", "only a logged-in user can do this, not an API key")
    return principal


UserDep = Annotated[Principal, Depends(user_principal)]


def own(services: Services, principal: Principal) -> Tenancy:
    """A user's requests about themselves (profile, sessions, password, second factor) see their
    tenant: a user row belongs to the tenant, not to an account, whatever their roles' scope."""
    return Tenancy(services, Scope.tenant(principal.tenant_id), principal)


def set_session_cookie(request: Request, response: Response, services: Services, secret: str,
                       expires_at: datetime, now: datetime) -> None:
    secure = services.settings.environment == "production" or request.url.scheme == "https"
    response.set_cookie(SESSION_COOKIE, secret, max_age=int((expires_at - now).total_seconds()), expires=expires_at,
                        path="/", secure=secure, httponly=True, samesite="lax")


def clear_session_cookie(request: Request, response: Response, services: Services) -> None:
    if SESSION_COOKIE in request.cookies:
        secure = services.settings.environment == "production" or request.url.scheme == "https"
        response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
