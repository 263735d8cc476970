"""Who is looking at a portal page, and the `Page` built for them.

- Pages under `/t/{slug}/` (login, sign-up, password reset) name their tenant by slug; pages opened
  from an emailed link learn it from the link's token; everything else (`/portal`, `/app`) from the
  login cookie, the same `chargeplane_session` the API reads, never from the URL.
- Unsafe requests carry a CSRF token: logged in, the HMAC-derived token of the session (form field
  `csrf_token` or header `X-CSRF-Token`, which `hx-headers` adds to every HTMX request); not logged
  in, a double-submit cookie.
- A visitor without a login who opens a logged-in page is sent to their tenant's login page (the
  tenant they last logged in to, remembered in a plain cookie), and back after logging in.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from urllib.parse import quote

from fastapi import Request

from chargeplane.api.auth import CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE, check_login, client_address
from chargeplane.api.deps import Services
from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.errors import Forbidden, NotFound
from chargeplane.domain.identity.logins import csrf_token_for
from chargeplane.domain.identity.models import User
from chargeplane.domain.tenancy.models import Tenant
from chargeplane.domain.tenancy.service import get_tenant, get_tenant_by_slug
from chargeplane.portal.i18n import LANGUAGE_COOKIE, choose_language
from chargeplane.portal.pages import Brand, Page, Viewer

TENANT_COOKIE = "chargeplane_tenant"
ANONYMOUS_CSRF_COOKIE = "chargeplane_csrf"
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class StaffOnly(Exception):
    pass


def login_url(slug: str | None, next_url: str | None = None) -> str:
    if slug is None:
        return "/"
    return f"/t/{slug}/login" + (f"?next={quote(next_url, safe='/')}" if next_url else "")


def safe_next(url: str | None) -> str | None:
    """A place on this site to go back to after a form; anything else (another site) is dropped."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return None
    return url


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def brand_by_slug(services: Services, slug: str) -> Brand:
    def find(uow: UnitOfWork) -> Brand | None:
        tenant = get_tenant_by_slug(uow, slug)
        return Brand.of(tenant) if tenant else None

    brand = await services.db.read(Scope.installation("a public page names its tenant by slug"), find)
    if brand is None:
        raise NotFound(f"there is no platform {slug!r}")
    return brand


async def brand_by_id(services: Services, tenant_id: uuid.UUID) -> Brand:
    return await services.db.read(Scope.tenant(tenant_id), lambda uow: Brand.of(get_tenant(uow)))


async def _viewer(request: Request, services: Services) -> tuple[Viewer, Brand] | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    check = await check_login(services, cookie, "cookie", client_address(request))
    if check is None:
        return None
    principal = check.principal

    def read(uow: UnitOfWork) -> tuple[Viewer, Brand]:
        user = uow.session.get(User, principal.id)
        tenant = uow.session.get(Tenant, principal.tenant_id)
        assert user is not None and tenant is not None
        viewer = Viewer(principal=principal, name=user.name or user.email or "", email=user.email,
                        language=user.language, time_zone=user.time_zone, csrf_token=csrf_token_for(cookie))
        return viewer, Brand.of(tenant)

    return await services.db.read(Scope.tenant(principal.tenant_id), read)


def _language(request: Request, brand: Brand, viewer: Viewer | None) -> str:
    return choose_language(offered=list(brand.languages), chosen=request.cookies.get(LANGUAGE_COOKIE),
                           user=viewer.language if viewer else None,
                           accept_language=request.headers.get("accept-language"),
                           tenant_default=brand.default_language)


def _page(request: Request, services: Services, brand: Brand, viewer: Viewer | None) -> Page:
    if viewer is not None:
        csrf = viewer.csrf_token
    else:
        csrf = request.cookies.get(ANONYMOUS_CSRF_COOKIE) or ""
        if len(csrf) < 32:
            csrf = secrets.token_urlsafe(32)
            request.state.new_anonymous_csrf = csrf  # the middleware sets the cookie on the answer
    page = Page(request=request, services=services, env=request.app.state.templates, brand=brand,
                language=_language(request, brand, viewer),
                time_zone=viewer.time_zone if viewer else brand.time_zone, csrf_token=csrf, viewer=viewer)
    request.state.page = page  # the error pages render in the same language and brand
    return page


async def _check_csrf(request: Request, expected: str) -> None:
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden("the form has expired or did not come from this site; reload the page and try again")


async def viewer_of(request: Request, services: Services, brand: Brand) -> Viewer | None:
    """The logged-in viewer, if their login is at this tenant."""
    found = await _viewer(request, services)
    return found[0] if found and found[1].tenant_id == brand.tenant_id else None


async def public_page(request: Request, slug: str) -> Page:
    """A page of one tenant that anyone may open (login, sign-up); it knows the viewer if they are logged in there."""
    services = services_of(request)
    brand = await brand_by_slug(services, slug)
    page = _page(request, services, brand, await viewer_of(request, services, brand))
    await _check_csrf(request, page.csrf_token)
    return page


async def link_page(request: Request, tenant_id: uuid.UUID, *, knows_viewer: bool = False) -> Page:
    """A page opened from an emailed link, in the brand of the tenant the link's token names; with
    `knows_viewer`, a viewer logged in at that tenant is recognised (an invitation to an existing user)."""
    services = services_of(request)
    brand = await brand_by_id(services, tenant_id)
    viewer = await viewer_of(request, services, brand) if knows_viewer else None
    page = _page(request, services, brand, viewer)
    await _check_csrf(request, page.csrf_token)
    return page


def platform_page(request: Request) -> Page:
    """The one page before any tenant is known: which platform do you use?"""
    return _page(request, services_of(request), Brand.neutral(), None)


async def _logged_in(request: Request) -> Page:
    services = services_of(request)
    found = await _viewer(request, services)
    if found is None:
        raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    viewer, brand = found
    page = _page(request, services, brand, viewer)
    await _check_csrf(request, viewer.csrf_token)
    return page


async def operator_page(request: Request) -> Page:
    """A page of the operator portal: staff roles only (drivers are sent to their app)."""
    page = await _logged_in(request)
    assert page.viewer is not None
    if not page.viewer.is_staff:
        raise StaffOnly()
    return page


async def driver_page(request: Request) -> Page:
    """A page of the driver app: any logged-in user (staff drive too)."""
    return await _logged_in(request)
