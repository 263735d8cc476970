"""Customer groups (`/portal/groups`: create, edit, delete, members by email or card uid) and sharing
(`/portal/sharing`: access grants of sites and charge points to users or groups, revoke). The same
domain calls as `api.routers.customer_groups` and `api.routers.access_grants`."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from chargeplane.db import UnitOfWork
from chargeplane.domain.access import grants, groups, labels
from chargeplane.domain.access.reach import user_by_email_in_reach
from chargeplane.domain.access.schemas import (
    AccessGrantCreate,
    AccessGrantRead,
    CustomerGroupCreate,
    CustomerGroupRead,
    CustomerGroupUpdate,
    GroupMemberRead,
)
from chargeplane.domain.errors import DomainError, Invalid
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.tokens.service import find_id_token
from chargeplane.portal.org_support import form_values, picked_id
from chargeplane.portal.pages import Page
from chargeplane.portal.people_support import blank, form_errors, local_day, status_of
from chargeplane.portal.security import operator_page, safe_next

router = APIRouter()

Operator = Annotated[Page, Depends(operator_page)]
GROUP_FIELDS = ("name", "description", "account_id", "discount_percent")
MEMBER_FIELDS = ("user_email", "card_uid")
SHARE_FIELDS = ("target", "user_email", "customer_group_id", "valid_until")
LIST_LIMIT = 500


# --- customer groups --------------------------------------------------------------------------------------


@router.get("/portal/groups", response_class=HTMLResponse)
async def groups_list(page: Operator, done: str = "") -> Response:
    t = await page.tenancy(Resource.CUSTOMER_GROUP, Action.READ)

    def unit(uow: UnitOfWork) -> dict[str, Any]:
        found = [CustomerGroupRead.model_validate(g) for g in groups.list_groups(uow, limit=LIST_LIMIT)]
        return {"groups": found, "accounts": dict(labels.accounts(uow))}

    return page.render("operator/groups.html", section="groups", deleted=done == "deleted", **await t.read(unit))


async def _group_form(page: Page, *, group: CustomerGroupRead | None, form: dict[str, str], errors: dict[str, str],
                      status_code: int = 200) -> Response:
    t = await page.tenancy(Resource.CUSTOMER_GROUP, Action.READ)
    return page.render("operator/group_form.html", status_code=status_code, section="groups", group=group,
                       form=form, errors=errors, accounts=await t.read(labels.accounts))


@router.get("/portal/groups/new", response_class=HTMLResponse)
async def new_group(page: Operator) -> Response:
    await page.tenancy(Resource.CUSTOMER_GROUP, Action.CREATE)
    return await _group_form(page, group=None, form={"discount_percent": "0"}, errors={})


@router.post("/portal/groups/new", response_class=HTMLResponse)
async def create_group(page: Operator, request: Request) -> Response:
    t = await page.tenancy(Resource.CUSTOMER_GROUP, Action.CREATE)
    form, now = await form_values(request, GROUP_FIELDS), page.services.clock.now()
    try:
        body = CustomerGroupCreate.model_validate({
            "name": form["name"], "description": form["description"] or None,
            "account_id": picked_id(page, form["account_id"], "account_id"),
            "discount_percent": _decimal(form["discount_percent"]) or "0"})
        group = await t.write(lambda uow: CustomerGroupRead.model_validate(
            groups.create_group(uow, **body.model_dump(), actor=t.principal, now=now)))
    except (DomainError, ValidationError) as exc:
        return await _group_form(page, group=None, form=form, errors=form_errors(page, exc, GROUP_FIELDS),
                                 status_code=status_of(exc))
    return page.redirect(f"/portal/groups/{group.id}")


async def _group_page(page: Page, group_id: uuid.UUID, *, form: dict[str, str] | None = None,
                      errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    t = await page.tenancy(Resource.CUSTOMER_GROUP, Action.READ)
    may_see_grants = page.principal.can(Resource.ACCESS_GRANT, Action.READ)

    def unit(uow: UnitOfWork) -> dict[str, Any]:
        group = CustomerGroupRead.model_validate(groups.get_group(uow, group_id))
        members = [GroupMemberRead.model_validate(m) for m in groups.list_members(uow, group_id)]
        shared = ([AccessGrantRead.model_validate(g) for g in grants.list_grants(
            uow, where=grants.GrantFilter(customer_group_id=group_id), limit=LIST_LIMIT)] if may_see_grants else [])
        return {"group": group, "members": members, "grants": shared, "accounts": dict(labels.accounts(uow)),
                "users": labels.users(uow, (m.user_id for m in members)),
                "cards": labels.cards(uow, (m.id_token_id for m in members)),
                "sites": dict(labels.sites(uow)), "charge_points": dict(labels.charge_points(uow))}

    found = await t.read(unit)
    group = found["group"]
    edit = {"name": group.name, "description": group.description or "",
            "discount_percent": str(group.discount_percent)}
    return page.render("operator/group.html", status_code=status_code, section="groups",
                       form={**edit, **(form or {})}, errors=errors or {}, **found)


@router.get("/portal/groups/{group_id}", response_class=HTMLResponse)
async def group_page(page: Operator, group_id: uuid.UUID) -> Response:
    return await _group_page(page, group_id)


@router.post("/portal/groups/{group_id}/edit", response_class=HTMLResponse)
async def update_group(page: Operator, request: Request, group_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.CUSTOMER_GROUP, Action.UPDATE)
    form, now = await form_values(request, GROUP_FIELDS), page.services.clock.now()
    try:
        changes = CustomerGroupUpdate.model_validate({
            "name": form["name"], "description": form["description"] or None,
            "discount_percent": _decimal(form["discount_percent"]) or "0"}).model_dump()
        await t.write(lambda uow: groups.update_group(uow, group_id, changes=changes, actor=t.principal, now=now))
    except (DomainError, ValidationError) as exc:
        return await _group_page(page, group_id, form=form, errors=form_errors(page, exc, GROUP_FIELDS),
                                 status_code=status_of(exc))
    return page.redirect(f"/portal/groups/{group_id}")


def _decimal(text: str) -> str:
    """A percentage as people type it in any of the languages: a decimal comma is a point."""
    return text.replace(",", ".").replace(" ", "")


@router.post("/portal/groups/{group_id}/delete")
async def delete_group(page: Operator, group_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.CUSTOMER_GROUP, Action.DELETE)
    now = page.services.clock.now()
    await t.write(lambda uow: groups.delete_group(uow, group_id, actor=t.principal, now=now))
    return page.redirect("/portal/groups?done=deleted")


@router.post("/portal/groups/{group_id}/members", response_class=HTMLResponse)
async def add_member(page: Operator, group_id: uuid.UUID, user_email: Annotated[str, Form()] = "",
                     card_uid: Annotated[str, Form()] = "") -> Response:
    """A user by their email or a card by its uid: whichever the form was given (exactly one)."""
    t = await page.tenancy(Resource.CUSTOMER_GROUP, Action.UPDATE)
    email, uid, now = user_email.strip(), card_uid.strip(), page.services.clock.now()
    no_card = page._("No card of yours has this uid.")

    def unit(uow: UnitOfWork) -> None:
        group = groups.get_group(uow, group_id)
        if email:
            user = user_by_email_in_reach(uow, email, field="user_email")
            groups.add_member(uow, group.id, user_id=user.id, actor=t.principal, now=now)
            return
        card = find_id_token(uow, uid)
        if card is None:
            raise Invalid(no_card, field="card_uid")
        groups.add_member(uow, group.id, id_token_id=card.id, actor=t.principal, now=now)

    form = {"user_email": email, "card_uid": uid}
    try:
        if bool(email) == bool(uid):
            raise Invalid(page._("Give a user's email or a card's uid (one of the two)."), field="user_email")
        await t.write(unit)
    except DomainError as exc:
        errors = form_errors(page, exc, MEMBER_FIELDS, rename={"user_id": "user_email", "id_token_id": "card_uid"})
        return await _group_page(page, group_id, form=form, errors=errors, status_code=status_of(exc))
    return page.redirect(f"/portal/groups/{group_id}#members")


@router.post("/portal/groups/{group_id}/members/{member_id}/remove")
async def remove_member(page: Operator, group_id: uuid.UUID, member_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.CUSTOMER_GROUP, Action.UPDATE)
    now = page.services.clock.now()
    await t.write(lambda uow: groups.remove_member(uow, group_id, member_id, actor=t.principal, now=now))
    return page.redirect(f"/portal/groups/{group_id}#members")


# --- sharing ----------------------------------------------------------------------------------------------


async def _sharing_page(page: Page, *, form: dict[str, str], errors: dict[str, str], status_code: int = 200,
                        shared: bool = False, revoked: bool = False) -> Response:
    t = await page.tenancy(Resource.ACCESS_GRANT, Action.READ)

    def unit(uow: UnitOfWork) -> dict[str, Any]:
        found = [AccessGrantRead.model_validate(g) for g in grants.list_grants(
            uow, where=grants.GrantFilter(), limit=LIST_LIMIT)]
        site_choices, charge_point_choices = labels.sites(uow), labels.charge_points(uow)
        group_choices = labels.groups(uow)
        return {"grants": found, "site_choices": site_choices, "charge_point_choices": charge_point_choices,
                "group_choices": group_choices, "sites": dict(site_choices),
                "charge_points": dict(charge_point_choices), "groups": dict(group_choices),
                "users": labels.users(uow, (g.user_id for g in found))}

    return page.render("operator/sharing.html", status_code=status_code, section="sharing", form=form,
                       errors=errors, shared=shared, revoked=revoked, back="/portal/sharing", target=None,
                       **await t.read(unit))


@router.get("/portal/sharing", response_class=HTMLResponse)
async def sharing(page: Operator, done: str = "") -> Response:
    return await _sharing_page(page, form={}, errors={}, shared=done == "shared", revoked=done == "revoked")


def _target(page: Page, value: str) -> dict[str, uuid.UUID | None]:
    """`site:<id>` or `charge_point:<id>` from the form's select (or the site page's hidden field)."""
    kind, _, raw = value.partition(":")
    if kind not in ("site", "charge_point") or not raw:
        raise Invalid(page._("Choose a site or a charge point to share."), field="target")
    return {f"{kind}_id": picked_id(page, raw, "target")}


@router.post("/portal/sharing", response_class=HTMLResponse)
async def share(page: Operator, target: Annotated[str, Form()] = "", user_email: Annotated[str, Form()] = "",
                customer_group_id: Annotated[str, Form()] = "", valid_until: Annotated[str, Form()] = "",
                next: Annotated[str, Form()] = "") -> Response:
    t = await page.tenancy(Resource.ACCESS_GRANT, Action.CREATE)
    form = {"target": target, "user_email": user_email.strip(), "customer_group_id": customer_group_id,
            "valid_until": valid_until}
    now = page.services.clock.now()
    try:
        group_id = picked_id(page, customer_group_id, "customer_group_id")
        if bool(blank(user_email)) == (group_id is not None):
            raise Invalid(page._("Give a user's email or choose a group (one of the two)."), field="user_email")
        until = local_day(valid_until, page.time_zone, days_after=1) if valid_until.strip() else None
        if valid_until.strip() and until is None:
            raise Invalid(page._("Enter a date."), field="valid_until")
        body = AccessGrantCreate.model_validate({**_target(page, target), "user_email": blank(user_email),
                                                 "customer_group_id": group_id, "valid_until": until})
        values = body.model_dump()
        await t.write(lambda uow: grants.create_grant(uow, **values, actor=t.principal, now=now))
    except (DomainError, ValidationError) as exc:
        errors = form_errors(page, exc, SHARE_FIELDS, rename={"site_id": "target", "charge_point_id": "target"})
        return await _sharing_page(page, form=form, errors=errors, status_code=status_of(exc))
    back = safe_next(next)
    return page.redirect(f"{back}#sharing-title" if back else "/portal/sharing?done=shared")


@router.post("/portal/sharing/{grant_id}/revoke")
async def revoke(page: Operator, grant_id: uuid.UUID, next: Annotated[str, Form()] = "") -> Response:
    t = await page.tenancy(Resource.ACCESS_GRANT, Action.DELETE)
    now = page.services.clock.now()
    await t.write(lambda uow: grants.delete_grant(uow, grant_id, actor=t.principal, now=now))
    back = safe_next(next)
    return page.redirect(back if back and back != "/portal/sharing" else "/portal/sharing?done=revoked")

