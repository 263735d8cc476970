"""Logging in and out, signing up, verifying an email, resetting a password, accepting an
invitation: pages around `api.account_flows` and `auth_support.log_in`, which the API's routes
use too, so both do exactly the same."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from chargeplane.api import account_flows
from chargeplane.api.auth import client_address
from chargeplane.api.routers.auth_support import AuthState, clear_session_cookie, log_in, set_session_cookie
from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.errors import DomainError, TooManyAttempts
from chargeplane.domain.identity.auth_schemas import SignUp
from chargeplane.domain.identity.contact import NOT_AN_EMAIL
from chargeplane.domain.identity.invitation_schemas import InvitationAccept
from chargeplane.domain.identity.login import LoginFailed, TotpRequired
from chargeplane.domain.identity.logins import IssuedLogin, revoke_login_session
from chargeplane.domain.identity.models import User
from chargeplane.domain.identity.passwords import check_password_policy
from chargeplane.portal.pages import Brand, Page
from chargeplane.portal.problems import field_problems
from chargeplane.portal.security import (
    TENANT_COOKIE,
    driver_page,
    link_page,
    login_url,
    platform_page,
    public_page,
    safe_next,
)

router = APIRouter()

PublicPage = Annotated[Page, Depends(public_page)]
AnyUser = Annotated[Page, Depends(driver_page)]
ONE_YEAR = 365 * 24 * 3600


def _auth_state(request: Request) -> AuthState:
    state: AuthState = request.app.state.auth
    return state


def _errors(page: Page, exc: ValidationError | DomainError) -> dict[str, str]:
    """Each message under its field, in the viewer's words."""
    errors = {field or "form": message for field, message in field_problems(page, exc)}
    if isinstance(exc, DomainError) and exc.template == NOT_AN_EMAIL:
        # The domain's message ends with the email library's English reason; the plain sentence reads better.
        errors["email"] = page._("Enter a valid email address.")
    return errors


def _remember_tenant(request: Request, response: Response, brand: Brand) -> None:
    """So that a later visit to `/` (or a logged-out page) lands on this tenant's login."""
    response.set_cookie(TENANT_COOKIE, brand.slug, max_age=ONE_YEAR, path="/", samesite="lax",
                        secure=request.url.scheme == "https")


# --- logging in and out -----------------------------------------------------------------------------------


@router.get("/t/{slug}/login", response_class=HTMLResponse)
async def login_form(page: PublicPage, next: str | None = None, email: str = "") -> Response:
    if page.viewer is not None:
        return page.redirect(safe_next(next) or "/")
    return page.render("auth/login.html", next=safe_next(next) or "", email=email, totp=False, errors={})


@router.post("/t/{slug}/login", response_class=HTMLResponse)
async def log_in_submit(page: PublicPage, request: Request, email: Annotated[str, Form()] = "",
                        password: Annotated[str, Form()] = "", totp_code: Annotated[str, Form()] = "",
                        next: Annotated[str, Form()] = "") -> Response:
    services = page.services

    def again(status: int, error: str, *, totp: bool = False) -> Response:
        # The second step keeps the password in the form (this page, this connection) rather than
        # in any server-side state; the user types only the code.
        return page.render("auth/login.html", status_code=status, next=safe_next(next) or "", email=email,
                           password=password if totp else "", totp=totp, errors={"form": error})

    def describe(uow: UnitOfWork, user: User, issued: IssuedLogin) -> None:
        return None

    try:
        _, issued = await log_in(services, _auth_state(request), tenant_id=page.brand.tenant_id, email=email.strip(),
                                 password=password, totp_code=totp_code.strip() or None, kind="cookie",
                                 address=client_address(request), user_agent=request.headers.get("user-agent"),
                                 describe=describe)
    except TotpRequired as exc:
        return again(401, page._("That code is not valid or was already used; enter the current code.")
                     if exc.wrong else page._("Enter the code from your authenticator app."), totp=True)
    except LoginFailed:
        return again(401, page._("The email or password is wrong, or the account is not active yet."))
    except TooManyAttempts:
        return again(429, page._("Too many attempts; wait a moment and try again"))
    # `/` sends staff to the portal and drivers to their app.
    response = RedirectResponse(safe_next(next) or "/", status_code=303)
    set_session_cookie(request, response, services, issued.secret, issued.session.expires_at, services.clock.now())
    _remember_tenant(request, response, page.brand)
    return response


@router.post("/logout")
async def log_out(page: AnyUser, request: Request) -> Response:
    principal, now = page.principal, page.services.clock.now()
    session_id = principal.login_session_id
    if session_id is not None:
        await page.services.db.write(Scope.tenant(principal.tenant_id),
                                     lambda uow: revoke_login_session(uow, session_id=session_id, now=now))
    response = RedirectResponse(login_url(page.brand.slug), status_code=303)
    clear_session_cookie(request, response, page.services)
    return response


# --- signing up and verifying the email -------------------------------------------------------------------


@router.get("/t/{slug}/signup", response_class=HTMLResponse)
async def sign_up_form(page: PublicPage) -> Response:
    return page.render("auth/signup.html", form={}, errors={})


@router.post("/t/{slug}/signup", response_class=HTMLResponse)
async def sign_up_submit(page: PublicPage, request: Request, name: Annotated[str, Form()] = "",
                         email: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                         accept_terms: Annotated[bool, Form()] = False,
                         time_zone: Annotated[str, Form()] = "") -> Response:
    form = {"name": name, "email": email, "accept_terms": accept_terms}
    try:
        body = SignUp(tenant=page.brand.slug, email=email.strip(), password=password, accept_terms=accept_terms,
                      name=name.strip() or None, language=page.language, time_zone=time_zone or None)
        await account_flows.sign_up(page.services, _auth_state(request), tenant_id=page.brand.tenant_id, form=body,
                                    source_address=client_address(request))
    except ValidationError as exc:
        return page.render("auth/signup.html", status_code=422, form=form, errors=_errors(page, exc))
    except DomainError as exc:
        return page.render("auth/signup.html", status_code=422, form=form, errors=_errors(page, exc))
    response = page.render("auth/signup_sent.html", email=email.strip())
    _remember_tenant(request, response, page.brand)
    return response


@router.get("/verify-email", response_class=HTMLResponse)
async def verify_email_form(request: Request, token: str = "") -> Response:
    # Opening the link only shows a button: mail scanners that fetch links must not activate anyone.
    page = await link_page(request, await account_flows.verification_tenant(request.app.state.services, token=token))
    return page.render("auth/verify_email.html", token=token, done=False)


@router.post("/verify-email", response_class=HTMLResponse)
async def verify_email_submit(request: Request, token: Annotated[str, Form()] = "") -> Response:
    page = await link_page(request, await account_flows.verification_tenant(request.app.state.services, token=token))
    _, verified = await account_flows.verify_email(page.services, token=token)
    response = page.render("auth/verify_email.html", token="", done=True, email=verified.email)
    _remember_tenant(request, response, page.brand)
    return response


# --- password reset ---------------------------------------------------------------------------------------


@router.get("/t/{slug}/forgot-password", response_class=HTMLResponse)
async def forgot_form(page: PublicPage) -> Response:
    return page.render("auth/forgot_password.html", sent=False, email="")


@router.post("/t/{slug}/forgot-password", response_class=HTMLResponse)
async def forgot_submit(page: PublicPage, request: Request, email: Annotated[str, Form()] = "") -> Response:
    if email.strip():
        await account_flows.request_reset(page.services, _auth_state(request), tenant_id=page.brand.tenant_id,
                                          email=email.strip())
    return page.render("auth/forgot_password.html", sent=True, email=email.strip())


@router.get("/reset-password", response_class=HTMLResponse)
async def reset_form(request: Request, token: str = "") -> Response:
    page = await link_page(request, await account_flows.reset_link_tenant(request.app.state.services, token=token))
    return page.render("auth/reset_password.html", token=token, done=False, errors={})


@router.post("/reset-password", response_class=HTMLResponse)
async def reset_submit(request: Request, token: Annotated[str, Form()] = "",
                       password: Annotated[str, Form()] = "") -> Response:
    page = await link_page(request, await account_flows.reset_link_tenant(request.app.state.services, token=token))
    try:
        await account_flows.complete_reset(page.services, _auth_state(request), token=token, password=password,
                                           source_address=client_address(request))
    except DomainError as exc:
        return page.render("auth/reset_password.html", status_code=422, token=token, done=False,
                           errors=_errors(page, exc))
    return page.render("auth/reset_password.html", token="", done=True, errors={})


# --- invitations ------------------------------------------------------------------------------------------


async def _invitation_page(request: Request, token: str) -> Page:
    services = request.app.state.services
    # Someone logged in at this tenant accepts as themselves (an existing user must).
    return await link_page(request, await account_flows.invitation_tenant(services, token=token), knows_viewer=True)


@router.get("/invitations/accept", response_class=HTMLResponse)
async def invitation_form(request: Request, token: str = "") -> Response:
    page = await _invitation_page(request, token)
    preview = await account_flows.preview_invitation(page.services, token=token)
    return page.render("auth/invitation.html", token=token, invitation=preview, form={}, errors={})


@router.post("/invitations/accept", response_class=HTMLResponse)
async def invitation_submit(request: Request, token: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
                            password: Annotated[str, Form()] = "", accept_terms: Annotated[bool, Form()] = False,
                            time_zone: Annotated[str, Form()] = "") -> Response:
    page = await _invitation_page(request, token)
    preview = await account_flows.preview_invitation(page.services, token=token)
    form = {"name": name, "accept_terms": accept_terms}
    try:
        if not preview.existing_user:
            check_password_policy(password, email=preview.email)
        body = InvitationAccept(token=token, accept_terms=accept_terms, password=password or None,
                                name=name.strip() or None, language=page.language, time_zone=time_zone or None)
        await account_flows.accept_invitation(page.services, _auth_state(request), body=body,
                                              caller=page.viewer.principal if page.viewer else None,
                                              source_address=client_address(request))
    except ValidationError as exc:
        return page.render("auth/invitation.html", status_code=422, token=token, invitation=preview, form=form,
                           errors=_errors(page, exc))
    except DomainError as exc:
        return page.render("auth/invitation.html", status_code=422, token=token, invitation=preview, form=form,
                           errors=_errors(page, exc))
    if page.viewer is not None:
        return page.redirect("/")
    response = page.render("auth/invitation_accepted.html", invitation=preview,
                           login=login_url(page.brand.slug) + (f"?email={preview.email}" if preview.email else ""))
    _remember_tenant(request, response, page.brand)
    return response


# --- a visitor who does not know their platform's address -------------------------------------------------


@router.get("/t/", response_class=HTMLResponse)
async def choose_platform(request: Request, slug: str = "") -> Response:
    if slug.strip():
        return RedirectResponse(login_url(slug.strip()), status_code=303)
    return platform_page(request).render("auth/choose_platform.html")
