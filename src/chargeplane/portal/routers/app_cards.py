"""The driver app's cards: mine, adding my physical card by the number printed on it, creating a virtual
card (the app's own, for starting from the phone), renaming and blocking (only staff unblock)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from chargeplane.db import UnitOfWork
from chargeplane.domain.access import driver
from chargeplane.domain.access.schemas import DriverCard, DriverCardCreate, DriverCardUpdate
from chargeplane.domain.errors import Conflict, DomainError
from chargeplane.domain.identity.login import the_user
from chargeplane.domain.identity.profile import describe_me
from chargeplane.portal.driver_app import Driver, tenancy, user_id
from chargeplane.portal.pages import Page
from chargeplane.portal.problems import say

router = APIRouter()

DONE = {"added", "virtual", "renamed", "blocked"}


async def _cards_page(page: Page, *, status_code: int = 200, done: str | None = None,
                      form: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> HTMLResponse:
    def unit(uow: UnitOfWork) -> tuple[list[DriverCard], list[tuple[uuid.UUID, str]]]:
        cards = [DriverCard.model_validate(c) for c in driver.my_cards(uow, user_id=user_id(page))]
        me = describe_me(uow, user=the_user(uow, page.principal))
        accounts = {m.account_id: m.account_name or "" for m in me.memberships if m.account_id is not None}
        return cards, sorted(accounts.items(), key=lambda item: item[1])

    cards, accounts = await tenancy(page).read(unit)
    return page.render("driver/cards.html", status_code=status_code, tab="cards", cards=cards, accounts=accounts,
                       done=done if done in DONE else None, form=form or {}, errors=errors or {})


@router.get("/app/cards", response_class=HTMLResponse)
async def cards(page: Driver, done: str | None = None) -> HTMLResponse:
    return await _cards_page(page, done=done)


def _account(raw: str) -> str | None:
    return raw.strip() or None


async def _add(page: Page, *, kind: Literal["physical", "virtual"], uid: str, label: str, account_id: str) -> Response:
    form = {"uid": uid, "label": label, "account_id": account_id, "kind": kind}
    t = tenancy(page)
    try:
        body = DriverCardCreate(kind=kind, uid=(uid.strip() or None) if kind == "physical" else None,
                                label=label.strip() or None, account_id=_account(account_id))
        if body.kind == "physical" and body.uid is None:
            return await _cards_page(page, status_code=422, form=form,
                                     errors={"uid": page._("Enter the number printed on your card.")})
        now = page.services.clock.now()
        await t.write(lambda uow: driver.add_my_card(uow, actor=t.principal, **body.model_dump(), now=now))
    except ValidationError as exc:
        errors = {str(e["loc"][0]) if e["loc"] else "form": say(page, e) for e in exc.errors()}
        return await _cards_page(page, status_code=422, form=form, errors=errors)
    except Conflict as exc:
        message = page._("A card with this number is registered already. If it is yours, contact support.") \
            if exc.details.get("field") == "uid" else say(page, exc)
        return await _cards_page(page, status_code=409, form=form, errors={"uid": message})
    except DomainError as exc:
        return await _cards_page(page, status_code=422, form=form,
                                 errors={str(exc.details.get("field") or "form"): say(page, exc)})
    return page.redirect(f"/app/cards?done={'added' if kind == 'physical' else 'virtual'}")


@router.post("/app/cards", response_class=HTMLResponse)
async def add_physical(page: Driver, uid: Annotated[str, Form()] = "", label: Annotated[str, Form()] = "",
                       account_id: Annotated[str, Form()] = "") -> Response:
    return await _add(page, kind="physical", uid=uid, label=label, account_id=account_id)


@router.post("/app/cards/virtual", response_class=HTMLResponse)
async def add_virtual(page: Driver, label: Annotated[str, Form()] = "",
                      account_id: Annotated[str, Form()] = "") -> Response:
    return await _add(page, kind="virtual", uid="", label=label or page._("Virtual card"), account_id=account_id)


async def _update(page: Page, card_id: uuid.UUID, changes: dict[str, Any], done: str) -> Response:
    t = tenancy(page)
    try:
        body = DriverCardUpdate.model_validate(changes)
    except ValidationError as exc:
        return await _cards_page(page, status_code=422, errors={f"label-{card_id}": exc.errors()[0]["msg"]})
    now = page.services.clock.now()
    fields = body.model_dump(exclude_unset=True)
    await t.write(lambda uow: driver.update_my_card(uow, actor=t.principal, card_id=card_id, changes=fields, now=now))
    return page.redirect(f"/app/cards?done={done}")


@router.post("/app/cards/{card_id}/label", response_class=HTMLResponse)
async def rename(card_id: uuid.UUID, page: Driver, label: Annotated[str, Form()] = "") -> Response:
    return await _update(page, card_id, {"label": label.strip() or None}, "renamed")


@router.post("/app/cards/{card_id}/block", response_class=HTMLResponse)
async def block(card_id: uuid.UUID, page: Driver) -> Response:
    return await _update(page, card_id, {"status": "blocked"}, "blocked")
