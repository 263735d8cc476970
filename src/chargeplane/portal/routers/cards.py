"""Cards (`/portal/cards`): search and filters, create, a card's page (edit, block/unblock, assign to
a user by email or unassign, restrict to sites and charge points, delete), and batch import from
CSV/XLSX. The same domain calls as `api.routers.id_tokens`; the import is its very flow."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from chargeplane.api import import_flows
from chargeplane.api.pagination import next_cursor
from chargeplane.db import UnitOfWork
from chargeplane.domain.access import labels
from chargeplane.domain.access.reach import user_by_email_in_reach
from chargeplane.domain.errors import Conflict, DomainError, Invalid
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.tokens import importing, service
from chargeplane.domain.tokens.queries import CardSearch, search_cards
from chargeplane.domain.tokens.schemas import IdTokenCreate, IdTokenRead, IdTokenUpdate
from chargeplane.portal.org_support import add_import_routes, form_values, picked_id, picked_ids
from chargeplane.portal.pages import N_, Page
from chargeplane.portal.people_support import (
    Labels,
    blank,
    choice,
    form_errors,
    local_day,
    next_page,
    safe_cursor,
    status_of,
)
from chargeplane.portal.security import operator_page

router = APIRouter()

Operator = Annotated[Page, Depends(operator_page)]
PAGE_SIZE = 50
KINDS = {"physical": N_("Physical card"), "virtual": N_("Virtual card")}
CREATE_FIELDS = ("kind", "uid", "status", "label", "contract_id", "user_email", "account_id", "expires_on")
EDIT_FIELDS = ("status", "label", "contract_id", "parent_uid", "expires_on")
PLACE_FIELDS = ("site_ids", "charge_point_ids")
RENAME = {"expires_at": "expires_on", "user_id": "user_email"}
EXAMPLE = ("04A1B2C3D4", "physical", "accepted", "2030-12-31T23:59:59Z", "", "Van 7", "driver@example.com", "", "")


def _expiry(page: Page, text: str) -> Any:
    """The last day a card works, typed in the viewer's zone: it expires when that day ends."""
    if not text.strip():
        return None
    moment = local_day(text, page.time_zone, days_after=1)
    if moment is None:
        raise Invalid(page._("Enter a date."), field="expires_on")
    return moment


def _last_day(page: Page, card: IdTokenRead) -> str:
    """The date `_expiry` was given: the day in which the card's last moment falls."""
    if card.expires_at is None:
        return ""
    return (page.fmt.local(card.expires_at) - dt.timedelta(microseconds=1)).date().isoformat()


def _context(page: Page) -> dict[str, Any]:
    return {"section": "cards", "labels": Labels(page), "kinds": {k: page._(v) for k, v in KINDS.items()}}


# --- the list ----------------------------------------------------------------------------------------------


@router.get("/portal/cards", response_class=HTMLResponse)
async def cards_list(page: Operator, request: Request, q: str = "", status: str = "", kind: str = "",
                     account_id: str = "", cursor: str = "", imported: int | None = None, done: str = "") -> Response:
    t = await page.tenancy(Resource.ID_TOKEN, Action.READ)
    try:
        account = picked_id(page, account_id, "account_id")
    except Invalid:
        account = None  # a stale link: no filter
    where = CardSearch(text=blank(q), status=choice(status, service.STATUSES), kind=choice(kind, service.KINDS),
                       account_id=account)
    after = safe_cursor(cursor)

    def unit(uow: UnitOfWork) -> dict[str, Any]:
        cards = service.read_tokens(uow, search_cards(uow, where=where, limit=PAGE_SIZE, after=after))
        return {"cards": cards, "holders": labels.users(uow, (c.user_id for c in cards)),
                "account_choices": labels.accounts(uow)}

    found = await t.read(unit)
    more = next_page(request, next_cursor(found["cards"], PAGE_SIZE))
    return page.render("operator/cards.html", **_context(page), filters={"q": q, "status": where.status or "",
                       "kind": where.kind or "", "account_id": str(account or "")}, next_url=more,
                       imported=imported, deleted=done == "deleted", **found)


# --- create, import ----------------------------------------------------------------------------------------


async def _create_form(page: Page, *, form: dict[str, str], errors: dict[str, str], status_code: int = 200
                       ) -> Response:
    t = await page.tenancy(Resource.ID_TOKEN, Action.READ)
    return page.render("operator/card_form.html", status_code=status_code, form=form, errors=errors,
                       accounts=await t.read(labels.accounts), **_context(page))


@router.get("/portal/cards/new", response_class=HTMLResponse)
async def new_card(page: Operator) -> Response:
    await page.tenancy(Resource.ID_TOKEN, Action.CREATE)
    return await _create_form(page, form={"kind": "physical", "status": "accepted"}, errors={})


@router.post("/portal/cards/new", response_class=HTMLResponse)
async def create_card(page: Operator, request: Request) -> Response:
    t = await page.tenancy(Resource.ID_TOKEN, Action.CREATE)
    form = await form_values(request, CREATE_FIELDS)
    now = page.services.clock.now()
    try:
        body = IdTokenCreate.model_validate({
            "kind": form["kind"] or "physical", "uid": form["uid"] or None, "status": form["status"] or "accepted",
            "label": form["label"] or None, "contract_id": form["contract_id"] or None,
            "account_id": picked_id(page, form["account_id"], "account_id"),
            "expires_at": _expiry(page, form["expires_on"])})
        email = form["user_email"]

        def unit(uow: UnitOfWork) -> uuid.UUID:
            holder = user_by_email_in_reach(uow, email, field="user_email").id if email else None
            return service.create_id_token(uow, **(body.model_dump() | {"user_id": holder}), actor=t.principal,
                                           now=now).id

        card_id = await t.write(unit)
    except (DomainError, ValidationError) as exc:
        return await _create_form(page, form=form, errors=form_errors(page, exc, CREATE_FIELDS, RENAME),
                                  status_code=status_of(exc))
    return page.redirect(f"/portal/cards/{card_id}")


add_import_routes(router, base="/portal/cards", resource=Resource.ID_TOKEN, flow=import_flows.import_cards,
                  template="operator/card_import.html", columns=importing.COLUMNS, example=EXAMPLE)


# --- one card ----------------------------------------------------------------------------------------------


async def _card_page(page: Page, card_id: uuid.UUID, *, form: dict[str, Any] | None = None,
                     errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    t = await page.tenancy(Resource.ID_TOKEN, Action.READ)

    def unit(uow: UnitOfWork) -> dict[str, Any]:
        card = service.read_tokens(uow, [service.get_id_token(uow, card_id)])[0]
        return {"card": card, "holder": labels.users(uow, [card.user_id]).get(card.user_id) if card.user_id else None,
                "accounts": dict(labels.accounts(uow)), "site_choices": labels.sites(uow),
                "charge_point_choices": labels.charge_points(uow)}

    found = await t.read(unit)
    card: IdTokenRead = found["card"]
    current = {"status": card.status, "label": card.label or "", "contract_id": card.contract_id or "",
               "parent_uid": card.parent_uid or "", "expires_on": _last_day(page, card), "site_ids": card.site_ids,
               "charge_point_ids": card.charge_point_ids}
    return page.render("operator/card.html", status_code=status_code, form={**current, **(form or {})},
                       errors=errors or {}, **_context(page), **found)


@router.get("/portal/cards/{card_id}", response_class=HTMLResponse)
async def card_page(page: Operator, card_id: uuid.UUID) -> Response:
    return await _card_page(page, card_id)


async def _update(page: Page, card_id: uuid.UUID, changes: dict[str, Any], *, form: dict[str, Any],
                  fields: tuple[str, ...], holder_email: str | None = None) -> Response:
    """One change through the domain's `update_id_token`, audited; a refusal shows the card's page again."""
    t = await page.tenancy(Resource.ID_TOKEN, Action.UPDATE)
    now = page.services.clock.now()

    def unit(uow: UnitOfWork) -> None:
        values = dict(changes)
        if holder_email is not None:
            values["user_id"] = user_by_email_in_reach(uow, holder_email, field="user_email").id
        service.update_id_token(uow, card_id, changes=values, actor=t.principal, now=now)

    try:
        await t.write(unit)
    except (DomainError, ValidationError) as exc:
        return await _card_page(page, card_id, form=form, errors=form_errors(page, exc, fields, RENAME),
                                status_code=status_of(exc))
    return page.redirect(f"/portal/cards/{card_id}")


@router.post("/portal/cards/{card_id}/edit", response_class=HTMLResponse)
async def update_card(page: Operator, card_id: uuid.UUID, request: Request) -> Response:
    form = await form_values(request, EDIT_FIELDS)
    try:
        changes = IdTokenUpdate.model_validate({
            "status": form["status"] or None, "label": form["label"] or None,
            "contract_id": form["contract_id"] or None, "parent_uid": form["parent_uid"] or None,
            "expires_at": _expiry(page, form["expires_on"])}).model_dump(exclude_none=True)
    except (DomainError, ValidationError) as exc:
        return await _card_page(page, card_id, form=form, errors=form_errors(page, exc, EDIT_FIELDS, RENAME),
                                status_code=status_of(exc))
    # Emptied fields are cleared (status is always chosen).
    changes |= {name: None for name in ("label", "contract_id", "parent_uid") if not form[name]}
    if not form["expires_on"]:
        changes["expires_at"] = None
    return await _update(page, card_id, changes, form=form, fields=EDIT_FIELDS)


@router.post("/portal/cards/{card_id}/block", response_class=HTMLResponse)
async def block_card(page: Operator, card_id: uuid.UUID) -> Response:
    return await _update(page, card_id, {"status": "blocked"}, form={}, fields=())


@router.post("/portal/cards/{card_id}/unblock", response_class=HTMLResponse)
async def unblock_card(page: Operator, card_id: uuid.UUID) -> Response:
    return await _update(page, card_id, {"status": "accepted"}, form={}, fields=())


@router.post("/portal/cards/{card_id}/holder", response_class=HTMLResponse)
async def assign_card(page: Operator, card_id: uuid.UUID, user_email: Annotated[str, Form()] = "") -> Response:
    """Hand the card to the user with this email; an empty email takes it back (unassigned)."""
    email = user_email.strip()
    if not email:
        return await _update(page, card_id, {"user_id": None}, form={}, fields=("user_email",))
    return await _update(page, card_id, {}, form={"user_email": email}, fields=("user_email",), holder_email=email)


@router.post("/portal/cards/{card_id}/places", response_class=HTMLResponse)
async def restrict_card(page: Operator, card_id: uuid.UUID, request: Request) -> Response:
    """Restrict the card to the chosen sites and charge points; none chosen (or "clear") lifts the restriction."""
    raw = await request.form()
    form = {"site_ids": raw.getlist("site_ids"), "charge_point_ids": raw.getlist("charge_point_ids")}
    try:
        sites = [] if raw.get("clear") else picked_ids(page, [str(v) for v in form["site_ids"]], "site_ids")
        charge_points = [] if raw.get("clear") else picked_ids(page, [str(v) for v in form["charge_point_ids"]],
                                                               "charge_point_ids")
    except Invalid as exc:
        return await _card_page(page, card_id, form=form, errors=form_errors(page, exc, PLACE_FIELDS), status_code=422)
    changes = {"restricted": bool(sites or charge_points), "site_ids": sites, "charge_point_ids": charge_points}
    return await _update(page, card_id, changes, form=form, fields=PLACE_FIELDS)


@router.post("/portal/cards/{card_id}/delete", response_class=HTMLResponse)
async def delete_card(page: Operator, card_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.ID_TOKEN, Action.DELETE)
    now = page.services.clock.now()
    try:
        await t.write(lambda uow: service.delete_id_token(uow, card_id, actor=t.principal, now=now))
    except Conflict:
        # The domain keeps a card that someone holds: say what to do instead, in the viewer's words.
        message = page._("This card is held by a user: unassign it first, or block it instead.")
        return await _card_page(page, card_id, errors={"delete": message}, status_code=409)
    return page.redirect("/portal/cards?done=deleted")
