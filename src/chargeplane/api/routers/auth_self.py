"""What a logged-in user does about their own login: who am I, my profile, my sessions, log out,
change my password, my second factor. API keys are refused here (403): these are a person's."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from chargeplane.api.auth import SESSION_COOKIE
from chargeplane.api.deps import Services, ServicesDep
from chargeplane.api.routers.auth_support import (
    AuthState,
    AuthStateDep,
    UserDep,
    clear_session_cookie,
    off_loop,
    own,
)
from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import Invalid
from chargeplane.domain.identity.auth_schemas import (
    LoginSessionRead,
    Me,
    MeUpdate,
    PasswordChange,
    TotpCode,
    TotpDisable,
    TotpSetupRead,
    TotpStatus,
)
from chargeplane.domain.identity.login import end_session, live_sessions, log_out_everywhere, the_user
from chargeplane.domain.identity.logins import csrf_token_for, revoke_login_session
from chargeplane.domain.identity.passwords import change_password, check_password_policy, verify_password
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.identity.profile import describe_me, update_me
from chargeplane.domain.identity.totp import disable_totp, enable_totp, start_totp_setup, totp_required

router = APIRouter()


def _cookie_secret(request: Request) -> str | None:
    """The portal session's secret when this request was authenticated by the cookie."""
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return None
    return request.cookies.get(SESSION_COOKIE)


@router.get("/me", response_model=Me, operation_id="get_me")
async def get_me(request: Request, principal: UserDep, services: ServicesDep) -> Me:
    """The user with their memberships, the tenant's branding, and their second factor's state; for
    a portal session also the CSRF token (a reloaded page gets it here)."""
    secret = _cookie_secret(request)
    csrf = csrf_token_for(secret) if secret else None
    return await own(services, principal).read(
        lambda uow: describe_me(uow, user=the_user(uow, principal), csrf_token=csrf))


@router.patch("/me", response_model=Me, operation_id="update_me")
async def patch_me(body: MeUpdate, principal: UserDep, services: ServicesDep) -> Me:
    changes = body.model_dump(exclude_unset=True)
    now = services.clock.now()

    def unit(uow: UnitOfWork) -> Me:
        user = update_me(uow, actor=principal, user=the_user(uow, principal), changes=changes, now=now)
        return describe_me(uow, user=user)

    return await own(services, principal).write(unit)


@router.post("/logout", status_code=204, operation_id="log_out")
async def log_out(request: Request, principal: UserDep, services: ServicesDep) -> Response:
    """End the session this request came with."""
    session_id, now = principal.login_session_id, services.clock.now()
    if session_id is not None:
        await own(services, principal).write(lambda uow: revoke_login_session(uow, session_id=session_id, now=now))
    response = Response(status_code=204)
    clear_session_cookie(request, response, services)
    return response


@router.get("/sessions", response_model=list[LoginSessionRead], operation_id="list_my_login_sessions")
async def list_sessions(principal: UserDep, services: ServicesDep) -> list[LoginSessionRead]:
    now = services.clock.now()

    def unit(uow: UnitOfWork) -> list[LoginSessionRead]:
        rows = live_sessions(uow, user=the_user(uow, principal), now=now)
        current = principal.login_session_id
        return [LoginSessionRead.model_validate(row).model_copy(update={"current": row.id == current}) for row in rows]

    return await own(services, principal).read(unit)


@router.delete("/sessions/{session_id}", status_code=204, operation_id="end_my_login_session")
async def delete_session(session_id: uuid.UUID, request: Request, principal: UserDep,
                         services: ServicesDep) -> Response:
    now = services.clock.now()
    await own(services, principal).write(
        lambda uow: end_session(uow, user_id=principal.id, session_id=session_id, now=now))
    response = Response(status_code=204)
    if session_id == principal.login_session_id:
        clear_session_cookie(request, response, services)
    return response


@router.post("/logout-everywhere", status_code=204, operation_id="log_out_everywhere")
async def logout_everywhere(request: Request, principal: UserDep, services: ServicesDep) -> Response:
    """End every session of this user, this one included."""
    now = services.clock.now()
    await own(services, principal).write(lambda uow: log_out_everywhere(uow, actor=principal, now=now))
    response = Response(status_code=204)
    clear_session_cookie(request, response, services)
    return response


def _who(principal: Principal, email: str | None) -> dict[str, Any]:
    return {"tenant_id": principal.tenant_id, "email": email or str(principal.id)}


async def _proven(services: Services, state: AuthState, principal: Principal, password: str,
                  field: str) -> tuple[str, str | None]:
    """Check the caller's password again, counted like a login (a stolen session must not be a way
    to guess it). Answers the hash verified and the user's email."""
    now = services.clock.now()

    def unit(uow: UnitOfWork) -> tuple[str | None, str | None]:
        user = the_user(uow, principal)
        return user.password_hash, user.email

    password_hash, email = await own(services, principal).read(unit)
    state.throttle.check(**_who(principal, email), address=principal.source_address, now=now)
    if password_hash is None or not await off_loop(state, verify_password, services.hashing, password_hash, password):
        state.throttle.failed(**_who(principal, email), address=principal.source_address, now=now)
        raise Invalid("the password is wrong", field=field)
    return password_hash, email


@router.post("/password", status_code=204, operation_id="change_password",
             responses={429: {"description": "too many wrong passwords; see Retry-After"}})
async def change_my_password(body: PasswordChange, request: Request, principal: UserDep, services: ServicesDep,
                             state: AuthStateDep) -> Response:
    """Set a new password, proven by the current one. Every other session ends; this one goes on."""
    verified_hash, email = await _proven(services, state, principal, body.current_password, "current_password")
    check_password_policy(body.new_password, email=email, field="new_password")
    new_hash = await off_loop(state, services.hashing.hash, body.new_password)
    now = services.clock.now()
    await own(services, principal).write(lambda uow: change_password(
        uow, actor=principal, verified_hash=verified_hash, new_hash=new_hash, now=now))
    return Response(status_code=204)


@router.post("/totp/setup", response_model=TotpSetupRead, operation_id="set_up_totp")
async def set_up_totp(principal: UserDep, services: ServicesDep) -> TotpSetupRead:
    """A new secret for an authenticator app; the second factor is on once a code from it is shown."""
    def unit(uow: UnitOfWork) -> TotpSetupRead:
        setup = start_totp_setup(uow, user=the_user(uow, principal))
        return TotpSetupRead(secret=setup.secret, otpauth_uri=setup.otpauth_uri)

    return await own(services, principal).write(unit)


@router.post("/totp/enable", response_model=TotpStatus, operation_id="enable_totp")
async def turn_on_totp(body: TotpCode, principal: UserDep, services: ServicesDep) -> TotpStatus:
    now = services.clock.now()

    def unit(uow: UnitOfWork) -> TotpStatus:
        enable_totp(uow, actor=principal, user=the_user(uow, principal), code=body.code, now=now)
        return TotpStatus(enabled=True, required=totp_required(principal.roles))

    return await own(services, principal).write(unit)


@router.post("/totp/disable", response_model=TotpStatus, operation_id="disable_totp",
             responses={429: {"description": "too many wrong codes or passwords; see Retry-After"}})
async def turn_off_totp(body: TotpDisable, request: Request, principal: UserDep, services: ServicesDep,
                        state: AuthStateDep) -> TotpStatus | JSONResponse:
    """Turn the second factor off, proven by the password or a current code (wrong ones count as
    failed logins)."""
    if not body.code and not body.password:
        raise Invalid("send a current code or the password", field="code")
    now = services.clock.now()
    who = _who(principal, principal.label)
    if body.password:
        await _proven(services, state, principal, body.password, "password")
    else:
        state.throttle.check(**who, address=principal.source_address, now=now)

    def unit(uow: UnitOfWork) -> TotpStatus:
        disable_totp(uow, actor=principal, user=the_user(uow, principal), code=body.code,
                     password_verified=bool(body.password), now=now)
        return TotpStatus(enabled=False, required=totp_required(principal.roles))

    try:
        return await own(services, principal).write(unit)
    except Invalid:
        state.throttle.failed(**who, address=principal.source_address, now=now)
        raise
