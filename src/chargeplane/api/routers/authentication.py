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

from chargeplane.api.auth import client_address
from chargeplane.api.deps import ServicesDep
from chargeplane.api.routers.auth_self import router as self_service
from chargeplane.api.routers.auth_support import AuthStateDep, off_loop, set_session_cookie, tenant_for_slug
from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.identity import signup
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
from chargeplane.domain.identity.login import LoginFailed, TotpRequired, finish_login, login_candidate
from chargeplane.domain.identity.onetime import RESET_PASSWORD, VERIFY_EMAIL, link_owner
from chargeplane.domain.identity.passwords import (
    check_password_policy,
    complete_password_reset,
    needs_rehash,
    request_password_reset,
    verify_password,
)
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
    now = services.clock.now()
    tenant_id = await tenant_for_slug(services, body.tenant)
    scope = Scope.tenant(tenant_id)
    form = await services.db.read(scope, lambda uow: signup.check_sign_up(
        uow, email=body.email, password=body.password, accept_terms=body.accept_terms, name=body.name,
        language=body.language, time_zone=body.time_zone, mobile=body.mobile))
    password_hash = await off_loop(state, services.hashing.hash, body.password)
    may_send = state.throttle.may_mail(tenant_id=tenant_id, email=form.email, now=now)
    await services.db.write(scope, lambda uow: signup.sign_up(
        uow, form=form, password_hash=password_hash, hashing=services.hashing, now=now,
        source_address=client_address(request), base_url=services.settings.base_url, may_send=may_send))
    return Accepted(detail="if this address can sign up, a verification link is on its way; it works for 24 hours")


@router.post("/verify-email", response_model=EmailVerified, operation_id="verify_email")
async def verify_email(body: LinkToken, services: ServicesDep) -> EmailVerified:
    now = services.clock.now()
    owner = await services.db.read(Scope.installation("an email verification link names its tenant"),
                                   lambda uow: link_owner(uow, secret=body.token, purpose=VERIFY_EMAIL, now=now))

    def unit(uow: UnitOfWork) -> EmailVerified:
        user = signup.verify_email(uow, secret=body.token, now=now)
        return EmailVerified(email=user.email, status=user.status)

    return await services.db.write(Scope.tenant(owner.tenant_id), unit)


@router.post("/login", response_model=LoggedIn, operation_id="log_in", responses=_PROBLEMS)
async def log_in(body: Login, request: Request, response: Response, services: ServicesDep,
                 state: AuthStateDep) -> LoggedIn:
    """Log in: `bearer` answers a token for the app; `cookie` sets the portal's HttpOnly session
    cookie and answers the CSRF token to send as X-CSRF-Token on unsafe requests."""
    now = services.clock.now()
    tenant_id = await tenant_for_slug(services, body.tenant)
    address = client_address(request)
    who: dict[str, Any] = {"tenant_id": tenant_id, "email": body.email}
    state.throttle.check(**who, address=address, now=now)
    scope = Scope.tenant(tenant_id)
    candidate = await services.db.read(scope, lambda uow: login_candidate(uow, email=body.email))
    right = await off_loop(state, verify_password, services.hashing, candidate.password_hash, body.password)
    if not right or candidate.user_id is None or candidate.password_hash is None:
        state.throttle.failed(**who, address=address, now=now)
        log.info("failed login at tenant %s from %s (user %s)", tenant_id, address, candidate.user_id or "unknown")
        raise LoginFailed()
    user_id, verified_hash = candidate.user_id, candidate.password_hash
    new_hash = (await off_loop(state, services.hashing.hash, body.password)
                if needs_rehash(services.hashing, verified_hash) else None)
    user_agent = request.headers.get("user-agent")

    def unit(uow: UnitOfWork) -> tuple[LoggedIn, str]:
        user, issued = finish_login(uow, user_id=user_id, verified_hash=verified_hash, totp_code=body.totp_code,
                                    kind=body.kind, now=now, new_hash=new_hash, source_address=address,
                                    user_agent=user_agent)
        cookie = body.kind == "cookie"
        answer = LoggedIn(token=None if cookie else issued.secret, csrf_token=issued.csrf_token if cookie else None,
                          expires_at=issued.session.expires_at,
                          user=describe_me(uow, user=user, csrf_token=issued.csrf_token if cookie else None))
        return answer, issued.secret

    try:
        answer, secret = await services.db.write(scope, unit)
    except (LoginFailed, TotpRequired) as exc:
        if not isinstance(exc, TotpRequired) or exc.wrong:
            state.throttle.failed(**who, address=address, now=now)
            log.info("failed login at tenant %s from %s (user %s: %s)", tenant_id, address, user_id, exc.code)
        raise
    state.throttle.succeeded(**who)
    if body.kind == "cookie":
        set_session_cookie(request, response, services, secret, answer.expires_at, now)
    return answer


@router.post("/password-reset", response_model=Accepted, status_code=202, operation_id="request_password_reset")
async def request_reset(body: PasswordResetRequest, services: ServicesDep, state: AuthStateDep) -> Accepted:
    """Mail a reset link (valid 1 hour) if the address is a user's; the answer is the same if not."""
    now = services.clock.now()
    tenant_id = await tenant_for_slug(services, body.tenant)
    if state.throttle.may_mail(tenant_id=tenant_id, email=body.email, now=now):
        await services.db.write(Scope.tenant(tenant_id), lambda uow: request_password_reset(
            uow, email=body.email, now=now, base_url=services.settings.base_url))
    return Accepted(detail="if this address belongs to a user, a link to set a new password is on its way; "
                           "it works for 1 hour")


@router.post("/password-reset/complete", status_code=204, operation_id="complete_password_reset")
async def complete_reset(body: PasswordResetComplete, request: Request, services: ServicesDep,
                         state: AuthStateDep) -> Response:
    """Set a new password from a reset link: the link is spent and every session of the user ends."""
    now = services.clock.now()
    owner = await services.db.read(Scope.installation("a password reset link names its tenant"),
                                   lambda uow: link_owner(uow, secret=body.token, purpose=RESET_PASSWORD, now=now))
    check_password_policy(body.password, email=owner.email)
    new_hash = await off_loop(state, services.hashing.hash, body.password)
    await services.db.write(Scope.tenant(owner.tenant_id), lambda uow: complete_password_reset(
        uow, secret=body.token, new_hash=new_hash, now=now, source_address=client_address(request)))
    return Response(status_code=204)
