"""Authentication: sign-up, email verification, login, password reset (no credential needed), and,
from `auth_self`, what a logged-in user does about their own login (sessions, password, profile,
second factor).

Requests without a credential name their tenant by slug; everything after that runs in the tenant's
scope. Answers never tell whether an email is known: sign-up and password reset answer 202 either
way, and a failed login has one message for every reason."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request, Response

from chargeplane.api import account_flows
from chargeplane.api.auth import client_address
from chargeplane.api.deps import ServicesDep
from chargeplane.api.routers.auth_self import router as self_service
from chargeplane.api.routers.auth_support import AuthStateDep, log_in, set_session_cookie, tenant_for_slug
from chargeplane.db import UnitOfWork
from chargeplane.domain.identity.auth_schemas import (
    Accepted,
    EmailVerified,
    LinkToken,
    LoggedIn,
    Login,
    PasswordResetComplete,
    PasswordResetRequest,
    SignUp,
)
from chargeplane.domain.identity.logins import IssuedLogin
from chargeplane.domain.identity.models import User
from chargeplane.domain.identity.profile import describe_me

log = logging.getLogger(__name__)

router = APIRouter(prefix="/auth", tags=["authentication"])
router.include_router(self_service)

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "login failed (slug login-failed), or a second-factor code is needed (totp-required)"},
    429: {"description": "too many failed logins; see Retry-After"},
}


@router.post("/signup", response_model=Accepted, status_code=202, operation_id="sign_up")
async def sign_up(body: SignUp, request: Request, services: ServicesDep, state: AuthStateDep) -> Accepted:
    """Sign up as a driver. Refused (409) until the tenant has published its terms and privacy policy."""
    tenant_id = await tenant_for_slug(services, body.tenant)
    await account_flows.sign_up(services, state, tenant_id=tenant_id, form=body, source_address=client_address(request))
    return Accepted(detail="if this address can sign up, a verification link is on its way; it works for 24 hours")


@router.post("/verify-email", response_model=EmailVerified, operation_id="verify_email")
async def verify_email(body: LinkToken, services: ServicesDep) -> EmailVerified:
    _, verified = await account_flows.verify_email(services, token=body.token)
    return verified


@router.post("/login", response_model=LoggedIn, operation_id="log_in", responses=_PROBLEMS)
async def log_in_route(body: Login, request: Request, response: Response, services: ServicesDep,
                 state: AuthStateDep) -> LoggedIn:
    """Log in: `bearer` answers a token for the app; `cookie` sets the portal's HttpOnly session
    cookie and answers the CSRF token to send as X-CSRF-Token on unsafe requests."""
    now = services.clock.now()
    tenant_id = await tenant_for_slug(services, body.tenant)
    cookie = body.kind == "cookie"

    def describe(uow: UnitOfWork, user: User, issued: IssuedLogin) -> LoggedIn:
        return LoggedIn(token=None if cookie else issued.secret, csrf_token=issued.csrf_token if cookie else None,
                        expires_at=issued.session.expires_at,
                        user=describe_me(uow, user=user, csrf_token=issued.csrf_token if cookie else None))

    answer, issued = await log_in(services, state, tenant_id=tenant_id, email=body.email, password=body.password,
                                  totp_code=body.totp_code, kind=body.kind, address=client_address(request),
                                  user_agent=request.headers.get("user-agent"), describe=describe)
    secret = issued.secret
    if body.kind == "cookie":
        set_session_cookie(request, response, services, secret, answer.expires_at, now)
    return answer


@router.post("/password-reset", response_model=Accepted, status_code=202, operation_id="request_password_reset")
async def request_reset(body: PasswordResetRequest, services: ServicesDep, state: AuthStateDep) -> Accepted:
    """Mail a reset link (valid 1 hour) if the address is a user's; the answer is the same if not."""
    tenant_id = await tenant_for_slug(services, body.tenant)
    await account_flows.request_reset(services, state, tenant_id=tenant_id, email=body.email)
    return Accepted(detail="if this address belongs to a user, a link to set a new password is on its way; "
                           "it works for 1 hour")


@router.post("/password-reset/complete", status_code=204, operation_id="complete_password_reset")
async def complete_reset(body: PasswordResetComplete, request: Request, services: ServicesDep,
                         state: AuthStateDep) -> Response:
    """Set a new password from a reset link: the link is spent and every session of the user ends."""
    await account_flows.complete_reset(services, state, token=body.token, password=body.password,
                                       source_address=client_address(request))
    return Response(status_code=204)
