"""The driver app's profile: my name, language, time zone and mobile; a new password; the second factor
(TOTP: set up, confirm, turn off); logging out everywhere; and becoming a charger owner (`/app/owner`).
Every change goes through `api.self_flows` / `api.driver_flows`, which the API's routes use too."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any
from zoneinfo import available_timezones

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from chargeplane.api import driver_flows, self_flows
from chargeplane.api.routers.auth_support import AuthState, clear_session_cookie, own
from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import Conflict, DomainError, TooManyAttempts
from chargeplane.domain.identity.auth_schemas import Me, MeUpdate, TotpSetupRead
from chargeplane.domain.identity.login import the_user
from chargeplane.domain.identity.profile import describe_me
from chargeplane.domain.tenancy.personal import personal_account_of
from chargeplane.domain.tenancy.schemas import AccountRead
from chargeplane.portal.driver_app import Driver, tenancy, user_id
from chargeplane.portal.i18n import LANGUAGE_COOKIE, LANGUAGES
from chargeplane.portal.pages import Page
from chargeplane.portal.problems import say
from chargeplane.portal.security import login_url

router = APIRouter()

ONE_YEAR = 365 * 24 * 3600
DONE = {"saved", "password", "totp-on", "totp-off"}


@cache
def time_zones() -> list[str]:
    return sorted(zone for zone in available_timezones() if "/" in zone and not zone.startswith(("Etc/", "SystemV/")))


def _auth_state(request: Request) -> AuthState:
    state: AuthState = request.app.state.auth
    return state


async def _me(page: Page) -> Me:
    return await own(page.services, page.principal).read(
        lambda uow: describe_me(uow, user=the_user(uow, page.principal)))


async def _profile(page: Page, *, status_code: int = 200, done: str | None = None, form: dict[str, Any] | None = None,
                   errors: dict[str, str] | None = None, setup: TotpSetupRead | None = None) -> HTMLResponse:
    me = await _me(page)
    languages = [(code, LANGUAGES[code]) for code in page.brand.languages]
    zones = time_zones() if me.time_zone in time_zones() else [me.time_zone, *time_zones()]
    return page.render("driver/profile.html", status_code=status_code, tab="profile", me=me, languages=languages,
                       time_zones=zones, done=done if done in DONE else None, form=form or {}, errors=errors or {},
                       setup=setup)


def _errors(page: Page, exc: DomainError, words: dict[str, str]) -> dict[str, str]:
    """The form's message for a refusal: our own words for what people commonly get wrong, else the domain's."""
    if isinstance(exc, TooManyAttempts):
        return {"form": page._("Too many attempts; wait a moment and try again")}
    field = str(exc.details.get("field") or "form")
    return {field: words.get(field) or say(page, exc)}


def _status(exc: DomainError) -> int:
    return 429 if isinstance(exc, TooManyAttempts) else 409 if isinstance(exc, Conflict) else 422


@router.get("/app/profile", response_class=HTMLResponse)
async def profile(page: Driver, done: str | None = None) -> HTMLResponse:
    return await _profile(page, done=done)


@router.post("/app/profile", response_class=HTMLResponse)
async def save_profile(page: Driver, request: Request, name: Annotated[str, Form()] = "",
                       language: Annotated[str, Form()] = "", time_zone: Annotated[str, Form()] = "",
                       mobile: Annotated[str, Form()] = "") -> Response:
    form = {"name": name, "language": language, "time_zone": time_zone, "mobile": mobile}
    try:
        changes = MeUpdate(name=name.strip() or None, language=language or None, time_zone=time_zone or None,
                           mobile=mobile.strip() or None).model_dump()
        # Left empty, language and time zone stay as they are; an empty name or mobile removes it.
        changes = {k: v for k, v in changes.items() if v is not None or k in ("name", "mobile")}
        me = await self_flows.update_profile(page.services, page.principal, changes)
    except ValidationError as exc:
        errors = {str(e["loc"][0]) if e["loc"] else "form": e["msg"] for e in exc.errors()}
        return await _profile(page, status_code=422, form=form, errors=errors)
    except DomainError as exc:
        return await _profile(page, status_code=_status(exc), form=form, errors=_errors(page, exc, {
            "mobile": page._("Enter the mobile number in international form, such as +3725551234.")
            if not isinstance(exc, Conflict) else page._("Another user has this mobile number."),
            "time_zone": page._("Choose a time zone from the list."),
            "language": page._("Choose one of the languages offered."),
        }))
    response = page.redirect("/app/profile?done=saved")
    # The language switcher's cookie would otherwise keep the page in the language chosen before.
    response.set_cookie(LANGUAGE_COOKIE, me.language, max_age=ONE_YEAR, path="/", samesite="lax",
                        secure=request.url.scheme == "https")
    return response


@router.post("/app/profile/password", response_class=HTMLResponse)
async def change_password(page: Driver, request: Request, current_password: Annotated[str, Form()] = "",
                          new_password: Annotated[str, Form()] = "") -> Response:
    try:
        await self_flows.change_my_password(page.services, _auth_state(request), page.principal,
                                            current_password=current_password, new_password=new_password)
    except DomainError as exc:
        return await _profile(page, status_code=_status(exc), errors=_errors(page, exc, {
            "current_password": page._("The current password is wrong."),
            "new_password": page._("The new password must be 12 to 128 characters long and must not be your "
                                   "email address."),
        }))
    return page.redirect("/app/profile?done=password")


# The second factor


@router.post("/app/profile/totp/setup", response_class=HTMLResponse)
async def totp_setup(page: Driver) -> Response:
    try:
        setup = await self_flows.set_up_totp(page.services, page.principal)
    except DomainError as exc:
        return await _profile(page, status_code=_status(exc), errors={"totp": say(page, exc)})
    return await _profile(page, setup=setup)


@router.post("/app/profile/totp/enable", response_class=HTMLResponse)
async def totp_enable(page: Driver, code: Annotated[str, Form()] = "", secret: Annotated[str, Form()] = "",
                      otpauth_uri: Annotated[str, Form()] = "") -> Response:
    try:
        await self_flows.enable_totp(page.services, page.principal, code=code.strip())
    except DomainError as exc:
        # The secret was shown once, at setup; the form carries it back so the person can try another code.
        setup = TotpSetupRead(secret=secret, otpauth_uri=otpauth_uri) if secret and otpauth_uri else None
        return await _profile(page, status_code=_status(exc), setup=setup, errors=_errors(page, exc, {
            "code": page._("That code is not valid. Enter the current code from your authenticator app.")}))
    return page.redirect("/app/profile?done=totp-on#totp")


@router.post("/app/profile/totp/disable", response_class=HTMLResponse)
async def totp_disable(page: Driver, request: Request, code: Annotated[str, Form()] = "",
                       password: Annotated[str, Form()] = "") -> Response:
    try:
        await self_flows.disable_totp(page.services, _auth_state(request), page.principal,
                                      code=code.strip() or None, password=password or None)
    except DomainError as exc:
        return await _profile(page, status_code=_status(exc), errors=_errors(page, exc, {
            "code": page._("Enter a current code from your authenticator app, or your password."),
            "password": page._("The password is wrong."),
        }))
    return page.redirect("/app/profile?done=totp-off#totp")


@router.post("/app/profile/logout-everywhere")
async def logout_everywhere(page: Driver, request: Request) -> Response:
    await self_flows.log_out_everywhere_flow(page.services, page.principal)
    response = RedirectResponse(login_url(page.brand.slug), status_code=303)
    clear_session_cookie(request, response, page.services)
    return response


# Becoming a charger owner


async def _personal_account(page: Page) -> AccountRead | None:
    def unit(uow: UnitOfWork) -> AccountRead | None:
        account = personal_account_of(uow, user_id=user_id(page))
        return AccountRead.model_validate(account) if account else None

    return await tenancy(page).read(unit)


@router.get("/app/owner", response_class=HTMLResponse)
async def owner(page: Driver) -> HTMLResponse:
    return page.render("driver/owner.html", tab="profile", account=await _personal_account(page))


@router.post("/app/owner")
async def become_owner(page: Driver) -> Response:
    """Opens my personal account (once; again it is the same one) and goes on to registering the charger."""
    await driver_flows.open_my_account(tenancy(page))
    return page.redirect("/portal/charge-points/new")
