"""What every portal page stands on: the tenant's brand, the viewer (if logged in), their language
and time zone, and rendering a template with all of it.

A `Page` is built per request by the dependencies in `portal.security`; handlers use it to reach
the database with the viewer's scope (`await page.tenancy(resource, action)`), to translate
(`page._("...")`) and to answer (`page.render("operator/x.html", ...)`)."""

from __future__ import annotations

import gettext as gettext_module
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from chargeplane.api.auth import tenancy_for
from chargeplane.api.deps import Services, Tenancy
from chargeplane.domain.identity.permissions import Action, Resource, Role
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.tenancy.models import Tenant
from chargeplane.portal.formatting import Formatter
from chargeplane.portal.i18n import LANGUAGES, translations

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
STAFF_ROLES = frozenset({Role.TENANT_ADMIN, Role.CUSTOMER_SUPPORT, Role.ACCOUNT_ADMIN, Role.ACCOUNT_MEMBER})


@dataclass(frozen=True, slots=True)
class Brand:
    """The tenant as its pages show it: name, logo, colours, languages, support links."""

    tenant_id: uuid.UUID
    slug: str
    name: str
    logo_url: str | None
    primary_color: str | None
    accent_color: str | None
    languages: tuple[str, ...]
    default_language: str
    time_zone: str
    currency: str
    terms_url: str | None
    privacy_url: str | None
    support_email: str | None
    support_url: str | None

    @classmethod
    def neutral(cls) -> Brand:
        """Before a tenant is known."""
        return cls(tenant_id=uuid.UUID(int=0), slug="", name="chargeplane", logo_url=None, primary_color=None,
                   accent_color=None, languages=tuple(LANGUAGES), default_language="en", time_zone="UTC",
                   currency="EUR", terms_url=None, privacy_url=None, support_email=None, support_url=None)

    @classmethod
    def of(cls, tenant: Tenant) -> Brand:
        return cls(tenant_id=tenant.id, slug=tenant.slug, name=tenant.display_name or tenant.name,
                   logo_url=tenant.logo_url, primary_color=tenant.primary_color, accent_color=tenant.accent_color,
                   languages=tuple(language for language in tenant.languages if language in LANGUAGES) or ("en",),
                   default_language=tenant.default_language, time_zone=tenant.time_zone, currency=tenant.currency,
                   terms_url=tenant.terms_url, privacy_url=tenant.privacy_url, support_email=tenant.support_email,
                   support_url=tenant.support_url)


@dataclass(frozen=True, slots=True)
class Viewer:
    """The logged-in person."""

    principal: Principal
    name: str
    email: str | None
    language: str
    time_zone: str
    csrf_token: str

    @property
    def is_staff(self) -> bool:
        """Works in the operator portal (any role but driver)."""
        return bool(self.principal.roles & STAFF_ROLES)

    def can(self, resource: str, action: str = "read") -> bool:
        return self.principal.can(Resource(resource), Action(action))


def N_(message: str) -> str:
    return message


class Contexted(str):
    """A marked text whose English stands for more than one thing ("Accepted": an invitation, a charger's
    answer): the catalogs hold it once per `context`, so each language words each meaning its own way."""

    context: str


def NC_(context: str, message: str) -> str:
    """`N_` with a context (extracted as msgctxt): the text reads as its English, and `_()` translates it
    with its context wherever it is shown."""
    text = Contexted(message)
    text.context = context
    return text


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """`N_` for a sentence with a number: both English forms, for `page.ngettext(*pair, n)` when shown."""
    return singular, plural


def translate(translations: gettext_module.NullTranslations, message: str) -> str:
    """`gettext`, or `pgettext` for a text marked with `NC_`."""
    context = getattr(message, "context", None)
    return translations.pgettext(context, message) if context else translations.gettext(message)


# Connector and charger states as people read them (OCPP's words are the keys, lower-cased).
STATE_LABELS = {
    "available": N_("Available"), "preparing": N_("Preparing"), "charging": N_("Charging"),
    "suspendedev": N_("Paused by the car"), "suspendedevse": N_("Paused by the charger"),
    "finishing": N_("Finishing"), "reserved": N_("Reserved"), "unavailable": N_("Unavailable"),
    "faulted": N_("Faulted"), "offline": N_("Offline"), "online": N_("Online"), "pending": N_("Pending"),
    "accepted": N_("Accepted"), "rejected": N_("Rejected"), "occupied": N_("Occupied"), "unknown": N_("Unknown"),
}


# The catalog of the page being rendered: templates, their macros and includes all translate with it.
_rendering: ContextVar[gettext_module.NullTranslations] = ContextVar("portal_translations")


def _state_label(state: str | None) -> str:
    label = STATE_LABELS.get((state or "unknown").lower())
    return translate(_rendering.get(), label) if label else (state or "")


def _gettext(message: str) -> str:
    return translate(_rendering.get(), message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _rendering.get().ngettext(singular, plural, n)


def _pgettext(context: str, message: str) -> str:
    return _rendering.get().pgettext(context, message)


def _npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return _rendering.get().npgettext(context, singular, plural, n)


def make_environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    # Templates say `pgettext("heading", "Charging")` where one English word has two meanings.
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True,  # type: ignore[attr-defined]
                                  pgettext=_pgettext, npgettext=_npgettext)
    env.globals["LANGUAGES"] = LANGUAGES
    env.globals["state_label"] = _state_label
    return env


@dataclass(slots=True)
class Page:
    request: Request
    services: Services
    env: Environment
    brand: Brand
    language: str
    time_zone: str
    csrf_token: str
    viewer: Viewer | None = None
    translations: gettext_module.NullTranslations = field(init=False)
    fmt: Formatter = field(init=False)

    def __post_init__(self) -> None:
        self.translations = translations(self.language)
        self.fmt = Formatter(self.language, self.time_zone)

    @property
    def principal(self) -> Principal:
        assert self.viewer is not None, "this page needs a logged-in viewer"
        return self.viewer.principal

    def ngettext(self, singular: str, plural: str, n: int, **params: Any) -> str:
        """The form of a sentence for the number `n` in the viewer's language (`%(num)s` is `n`)."""
        return self.translations.ngettext(singular, plural, n) % {"num": n, **params}

    def _(self, message: str, **params: Any) -> str:
        text = translate(self.translations, message)
        return text % params if params else text

    async def tenancy(self, resource: Resource, action: Action) -> Tenancy:
        """The viewer's door to the database for one kind of thing (Forbidden if their roles do not allow it)."""
        self.principal.require(resource, action)
        return await tenancy_for(self.services, self.principal)

    @property
    def is_htmx(self) -> bool:
        return self.request.headers.get("HX-Request") == "true"

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        body = self.render_text(template, **context)
        return HTMLResponse(body, status_code=status_code)

    def render_text(self, template: str, **context: Any) -> str:
        token = _rendering.set(self.translations)
        try:
            return self.env.get_template(template).render(page=self, fmt=self.fmt, brand=self.brand,
                                                         viewer=self.viewer, request=self.request, **context)
        finally:
            _rendering.reset(token)

    def redirect(self, url: str) -> RedirectResponse:
        """After a successful form: the browser goes to `url` (HTMX follows HX-Redirect)."""
        if self.is_htmx:
            response = RedirectResponse(url, status_code=204)
            response.headers["HX-Redirect"] = url
            return response
        return RedirectResponse(url, status_code=303)
