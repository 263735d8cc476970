"""What a logged-in user does about their own login: who am I, my profile, my sessions, log out,
change my password, my second factor. API keys are refused here (403): these are a person's."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from chargeplane.api import self_flows
from chargeplane.api.auth import SESSION_COOKIE
from chargeplane.api.deps import ServicesDep
from chargeplane.api.routers.auth_support import (
    AuthStateDep,
    UserDep,
    clear_session_cookie,
    own,
)
from chargeplane.db import UnitOfWork
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
from chargeplane.domain.identity.login import end_session, live_sessions, the_user
from chargeplane.domain.identity.logins import csrf_token_for, revoke_login_session
from chargeplane.domain.identity.profile import describe_me

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
    return await self_flows.update_profile(services, principal, body.model_dump(exclude_unset=True))


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
    await self_flows.log_out_everywhere_flow(services, principal)
    response = Response(status_code=204)
    clear_session_cookie(request, response, services)
    return response


@router.post("/password", status_code=204, operation_id="change_password",
             responses={429: {"description": "too many wrong passwords; see Retry-After"}})
async def change_my_password(body: PasswordChange, request: Request, principal: UserDep, services: ServicesDep,
                             state: AuthStateDep) -> Response:
    """Set a new password, proven by the current one. Every other session ends; this one goes on."""
    await self_flows.change_my_password(services, state, principal, current_password=body.current_password,
                                        new_password=body.new_password)
    return Response(status_code=204)


@router.post("/totp/setup", response_model=TotpSetupRead, operation_id="set_up_totp")
async def set_up_totp(principal: UserDep, services: ServicesDep) -> TotpSetupRead:
    """A new secret for an authenticator app; the second factor is on once a code from it is shown."""
    return await self_flows.set_up_totp(services, principal)


@router.post("/totp/enable", response_model=TotpStatus, operation_id="enable_totp")
async def turn_on_totp(body: TotpCode, principal: UserDep, services: ServicesDep) -> TotpStatus:
    return await self_flows.enable_totp(services, principal, code=body.code)


@router.post("/totp/disable", response_model=TotpStatus, operation_id="disable_totp",
             responses={429: {"description": "too many wrong codes or passwords; see Retry-After"}})
async def turn_off_totp(body: TotpDisable, request: Request, principal: UserDep, services: ServicesDep,
                        state: AuthStateDep) -> TotpStatus | JSONResponse:
    """Turn the second factor off, proven by the password or a current code (wrong ones count as
    failed logins)."""
    return await self_flows.disable_totp(services, state, principal, code=body.code, password=body.password)
