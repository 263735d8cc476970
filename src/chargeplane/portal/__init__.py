"""The operator portal (`/portal`) and the driver app (`/app`): server-rendered pages (Jinja2) made
lively with htmx, on the same domain services as the API. See docs/portal.md."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from chargeplane.api.deps import Services
from chargeplane.api.live import LiveHub
from chargeplane.api.problems import domain_status
from chargeplane.api.routers.auth_support import AuthState
from chargeplane.domain.errors import DomainError
from chargeplane.portal import errors
from chargeplane.portal.pages import STATIC_DIR, make_environment
from chargeplane.portal.problems import say
from chargeplane.portal.routers import ROUTERS
from chargeplane.portal.security import ANONYMOUS_CSRF_COOKIE, TENANT_COOKIE, LoginRequired, StaffOnly, login_url

log = logging.getLogger(__name__)


def create_portal(services: Services, *, auth: AuthState, live: LiveHub) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.services = services
    app.state.auth = auth  # the same login throttle as the API's
    app.state.live = live
    app.state.templates = make_environment()
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router)

    @app.middleware("http")
    async def anonymous_csrf_cookie(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        token = getattr(request.state, "new_anonymous_csrf", None)
        if token:
            response.set_cookie(ANONYMOUS_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/",
                                secure=request.url.scheme == "https")
        return response

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        url = login_url(request.cookies.get(TENANT_COOKIE), exc.next_url)
        if request.headers.get("HX-Request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)

    @app.exception_handler(StaffOnly)
    async def to_app(request: Request, exc: StaffOnly) -> Response:
        return RedirectResponse("/app", status_code=303)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> HTMLResponse:
        page = getattr(request.state, "page", None)  # known once the tenant is: then in the viewer's words
        return await errors.error_page(request, domain_status(exc), say(page, exc) if page is not None else exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (404, 405):
            return await errors.error_page(request, exc.status_code, None)
        return await http_exception_handler(request, exc)

    return app
