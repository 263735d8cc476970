"""Portal tests over HTTP: a logged-in browser-like client (cookies, CSRF token, form posts) against
the real app; and a tenant opened for people (terms links, all languages) with an admin who has a
password."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from chargeplane.domain.identity.permissions import Role
from tests.messaging.support import open_tenant
from tests.support.people import Person, make_user
from tests.support.server import RunningApp

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class PortalClient:
    """Like a browser without JavaScript: keeps cookies, sends the page's CSRF token with every form."""

    def __init__(self, running: RunningApp) -> None:
        self.http = httpx.AsyncClient(base_url=running.http_url, timeout=30, follow_redirects=False)
        self.csrf = ""

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response = await self.http.get(path, **kwargs)
        self._remember_csrf(response)
        return response

    async def post(self, path: str, data: dict[str, Any] | None = None, *, htmx: bool = False,
                   files: dict[str, Any] | None = None) -> httpx.Response:
        """A form post with the CSRF token (as a field, or as htmx's header)."""
        headers = {"HX-Request": "true", "X-CSRF-Token": self.csrf} if htmx else {}
        form = dict(data or {})
        if not htmx:
            form.setdefault("csrf_token", self.csrf)
        response = await self.http.post(path, data=form, files=files, headers=headers)
        self._remember_csrf(response)
        return response

    def _remember_csrf(self, response: httpx.Response) -> None:
        found = CSRF.search(response.text) if "text/html" in response.headers.get("content-type", "") else None
        if found:
            self.csrf = found.group(1)

    async def log_in(self, slug: str, email: str, password: str = PASSWORD) -> httpx.Response:
        await self.get(f"/t/{slug}/login")
        response = await self.post(f"/t/{slug}/login", {"email": email, "password": password})
        assert response.status_code == 303, response.text
        # The front door sends staff to the portal and drivers to the app; every page there carries
        # the session's CSRF token (in the log-out form).
        page = await self.http.get("/", follow_redirects=True)
        self._remember_csrf(page)
        return page

    async def aclose(self) -> None:
        await self.http.aclose()


@dataclass
class PortalPerson:
    person: Person
    portal: PortalClient

    @property
    def user_id(self) -> uuid.UUID:
        return self.person.user_id

    @property
    def email(self) -> str:
        return self.person.email


async def open_for_people(running: RunningApp, tenant_id: uuid.UUID) -> None:
    await open_tenant(running, tenant_id)


async def portal_user(running: RunningApp, tenant_id: uuid.UUID, slug: str, *,
                      roles: list[tuple[Role, uuid.UUID | None]], email: str | None = None) -> PortalPerson:
    """A user with a password, logged in to the portal (close `.portal` and `.person.api` when done)."""
    person = await make_user(running, tenant_id, roles=roles, email=email, password=PASSWORD)
    client = PortalClient(running)
    await client.log_in(slug, person.email)
    return PortalPerson(person, client)
