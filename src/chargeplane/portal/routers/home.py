"""The front door: `/` sends each visitor where they belong, and the language switcher."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from chargeplane.api.auth import SESSION_COOKIE, check_login, client_address
from chargeplane.db import Scope
from chargeplane.domain.errors import DomainError
from chargeplane.domain.identity.login import the_user
from chargeplane.domain.identity.profile import update_me
from chargeplane.domain.tenancy.service import sole_tenant_slug
from chargeplane.portal.i18n import LANGUAGE_COOKIE, LANGUAGES
from chargeplane.portal.pages import STAFF_ROLES
from chargeplane.portal.security import TENANT_COOKIE, login_url, safe_next, services_of

router = APIRouter()

ONE_YEAR = 365 * 24 * 3600


@router.get("/", include_in_schema=False)
async def front_door(request: Request) -> Response:
    services = services_of(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    check = await check_login(services, cookie, "cookie", client_address(request)) if cookie else None
    if check is not None:
        return RedirectResponse("/portal" if check.principal.roles & STAFF_ROLES else "/app", status_code=303)
    slug = request.cookies.get(TENANT_COOKIE) or await services.db.read(
        Scope.installation("the front door of a single-tenant installation"), sole_tenant_slug)
    if slug is None:
        return RedirectResponse("/t/", status_code=303)
    return RedirectResponse(login_url(slug), status_code=303)


@router.get("/t/{slug}", include_in_schema=False)
async def tenant_door(slug: str) -> Response:
    return RedirectResponse(login_url(slug), status_code=303)


@router.post("/language", include_in_schema=False)
async def switch_language(request: Request, language: Annotated[str, Form()],
                          next: Annotated[str, Form()] = "/") -> Response:
    """The switcher: remembered in a cookie, and in the profile of a logged-in user (emails follow it)."""
    if language not in LANGUAGES:
        language = "en"
    services = services_of(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    check = await check_login(services, cookie, "cookie", client_address(request)) if cookie else None
    if check is not None:
        principal, now = check.principal, services.clock.now()
        # A language the tenant does not offer stays out of the profile: the cookie alone decides, for this browser.
        with contextlib.suppress(DomainError):
            await services.db.write(Scope.tenant(principal.tenant_id), lambda uow: update_me(
                uow, actor=principal, user=the_user(uow, principal), changes={"language": language}, now=now))
    response = RedirectResponse(safe_next(next) or "/", status_code=303)
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=ONE_YEAR, path="/", samesite="lax",
                        secure=request.url.scheme == "https")
    return response
