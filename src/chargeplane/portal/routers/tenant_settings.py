"""The tenant's own settings (`/portal/settings`): branding, languages, currency and time zone,
support and legal links, and whether unknown chargers may register themselves. Tenant staff read
them; tenant admins change them through `update_tenant_settings`, as the API does."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import DomainError
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.tenancy import service
from chargeplane.domain.tenancy.schemas import TenantRead, TenantUpdate
from chargeplane.domain.tenancy.tenant_settings import update_tenant_settings
from chargeplane.portal.pages import N_, Page
from chargeplane.portal.people_support import blank, form_errors, status_of
from chargeplane.portal.security import operator_page

router = APIRouter()

Operator = Annotated[Page, Depends(operator_page)]
FIELDS = ("name", "display_name", "logo_url", "primary_color", "accent_color", "default_language", "languages",
          "currency", "time_zone", "terms_url", "privacy_url", "support_email", "support_url",
          "allow_auto_registration")
# Shown in the colour inputs while the tenant keeps the portal's own colours (see assets/portal.css).
DEFAULT_COLOURS = {"primary_color": "#0b7a4b", "accent_color": "#1d4ed8"}
DONE = {"saved": N_("The settings are saved."),
        "terms": N_("The settings are saved. The terms links changed: this is terms version %(version)s, "
                    "which everyone accepts at their next sign-in.")}


async def _show(page: Page, *, status_code: int = 200, form: dict[str, Any] | None = None,
                errors: dict[str, str] | None = None) -> HTMLResponse:
    t = await page.tenancy(Resource.TENANT, Action.READ)
    tenant = await t.read(lambda uow: TenantRead.model_validate(service.get_tenant(uow)))
    current = tenant.model_dump()
    values = current | {"primary_default": not tenant.primary_color, "accent_default": not tenant.accent_color}
    done = DONE.get(page.request.query_params.get("done", ""))
    return page.render("operator/settings.html", status_code=status_code, section="settings", tenant=tenant,
                       form=values | (form or {}), errors=errors or {}, colours=DEFAULT_COLOURS,
                       may_change=page.principal.can(Resource.TENANT, Action.UPDATE),
                       done=page._(done, version=tenant.terms_version) if done else None)


@router.get("/portal/settings", response_class=HTMLResponse)
async def settings_page(page: Operator) -> Response:
    return await _show(page)


@router.post("/portal/settings", response_class=HTMLResponse)
async def settings_save(
    page: Operator, name: Annotated[str, Form()] = "", display_name: Annotated[str, Form()] = "",
    logo_url: Annotated[str, Form()] = "", primary_color: Annotated[str, Form()] = "",
    primary_default: Annotated[bool, Form()] = False, accent_color: Annotated[str, Form()] = "",
    accent_default: Annotated[bool, Form()] = False, languages: Annotated[list[str] | None, Form()] = None,
    default_language: Annotated[str, Form()] = "", currency: Annotated[str, Form()] = "",
    time_zone: Annotated[str, Form()] = "", support_email: Annotated[str, Form()] = "",
    support_url: Annotated[str, Form()] = "", terms_url: Annotated[str, Form()] = "",
    privacy_url: Annotated[str, Form()] = "", allow_auto_registration: Annotated[bool, Form()] = False,
) -> Response:
    t = await page.tenancy(Resource.TENANT, Action.UPDATE)
    now = page.services.clock.now()
    texts = {"name": name.strip(), "display_name": display_name, "logo_url": logo_url,
             "primary_color": "" if primary_default else primary_color,
             "accent_color": "" if accent_default else accent_color, "default_language": default_language,
             "currency": currency, "time_zone": time_zone, "support_email": support_email,
             "support_url": support_url, "terms_url": terms_url, "privacy_url": privacy_url}
    form: dict[str, Any] = texts | {"languages": languages or [], "allow_auto_registration": allow_auto_registration,
                                    "primary_color": primary_color, "accent_color": accent_color,
                                    "primary_default": primary_default, "accent_default": accent_default}

    def unit(uow: UnitOfWork) -> bool:
        """Whether the change is a new terms version."""
        before = service.get_tenant(uow).terms_version
        return update_tenant_settings(uow, changes=changes, actor=t.principal, now=now).terms_version != before

    try:
        sent = {key: value if key == "name" else blank(value) for key, value in texts.items()}
        body = TenantUpdate.model_validate(sent | {"languages": languages or [],
                                                   "allow_auto_registration": allow_auto_registration})
        changes = body.model_dump(exclude_unset=True)
        new_terms = await t.write(unit)
    except (DomainError, ValidationError) as exc:
        return await _show(page, status_code=status_of(exc), form=form, errors=form_errors(page, exc, FIELDS))
    return page.redirect(f"/portal/settings?done={'terms' if new_terms else 'saved'}")
