"""Webhooks in the portal (`/portal/webhooks`), for tenant admins: endpoints and the event types
they receive, the secret shown once (at creation and rotation), each endpoint's deliveries with
every attempt, a test event, replay. The same domain functions as the API's webhook routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from chargeplane.api.pagination import next_cursor
from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import DomainError, NotFound
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.webhooks import service
from chargeplane.domain.webhooks.catalog import EVENT_TYPES
from chargeplane.domain.webhooks.schemas import AttemptRead, DeliveryRead, EndpointCreate, EndpointRead
from chargeplane.portal.pages import Page
from chargeplane.portal.people_support import blank, choice, form_errors, next_page, safe_cursor, status_of
from chargeplane.portal.security import operator_page

router = APIRouter()

Operator = Annotated[Page, Depends(operator_page)]
PAGE_SIZE = 50
FIELDS = ("url", "event_types", "description")


async def _list(page: Page, *, form: dict[str, object] | None = None, errors: dict[str, str] | None = None,
                status_code: int = 200, secret: str | None = None) -> Response:
    t = await page.tenancy(Resource.TENANT, Action.UPDATE)
    endpoints = await t.read(lambda uow: [EndpointRead.model_validate(e) for e in service.list_endpoints(uow)])
    return page.render("operator/webhooks.html", status_code=status_code, section="webhooks", endpoints=endpoints,
                       event_types=EVENT_TYPES, form=form or {"event_types": ["*"]}, errors=errors or {},
                       secret=secret)


@router.get("/portal/webhooks", response_class=HTMLResponse)
async def webhooks(page: Operator) -> Response:
    return await _list(page)


@router.post("/portal/webhooks", response_class=HTMLResponse)
async def create(page: Operator, request: Request, url: Annotated[str, Form()] = "",
                 description: Annotated[str, Form()] = "") -> Response:
    t = await page.tenancy(Resource.TENANT, Action.UPDATE)
    types = [str(v) for v in (await request.form()).getlist("event_types")]
    form: dict[str, object] = {"url": url, "description": description, "event_types": types}
    now, insecure = page.services.clock.now(), page.services.settings.webhooks_allow_insecure
    try:
        body = EndpointCreate(url=url.strip(), event_types=types, description=blank(description))
        secret = await t.write(lambda uow: service.create_endpoint(
            uow, url=body.url, event_types=body.event_types, description=body.description, allow_insecure=insecure,
            now=now).secret)
    except (DomainError, ValidationError) as exc:
        return await _list(page, form=form, errors=form_errors(page, exc, FIELDS), status_code=status_of(exc))
    return await _list(page, secret=secret)


async def _endpoint(page: Page, endpoint_id: uuid.UUID, request: Request, *, status: str = "", cursor: str = "",
                    secret: str | None = None) -> Response:
    t = await page.tenancy(Resource.TENANT, Action.UPDATE)
    wanted, after = choice(status, ("pending", "succeeded", "failed")), safe_cursor(cursor)

    def read(uow: UnitOfWork) -> tuple[EndpointRead, list[DeliveryRead]]:
        endpoint = EndpointRead.model_validate(service.get_endpoint(uow, endpoint_id))
        rows = [DeliveryRead.model_validate(d) for d in service.list_deliveries(
            uow, endpoint_id=endpoint_id, status=wanted, limit=PAGE_SIZE, after=after)]
        return endpoint, rows

    endpoint, deliveries = await t.read(read)
    return page.render("operator/webhook.html", section="webhooks", endpoint=endpoint, deliveries=deliveries,
                       status=wanted or "", secret=secret,
                       next_url=next_page(request, next_cursor(deliveries, PAGE_SIZE)))


@router.get("/portal/webhooks/{endpoint_id}", response_class=HTMLResponse)
async def endpoint(page: Operator, endpoint_id: uuid.UUID, request: Request, status: str = "",
                   cursor: str = "") -> Response:
    return await _endpoint(page, endpoint_id, request, status=status, cursor=cursor)


@router.post("/portal/webhooks/{endpoint_id}/{step}", response_class=HTMLResponse)
async def endpoint_action(page: Operator, endpoint_id: uuid.UUID, step: str, request: Request) -> Response:
    """test (queue a webhook.test event), rotate (a new secret, shown once), pause/resume, delete."""
    t = await page.tenancy(Resource.TENANT, Action.UPDATE)
    now, insecure = page.services.clock.now(), page.services.settings.webhooks_allow_insecure
    if step == "test":
        await t.write(lambda uow: service.send_test(uow, endpoint_id, now=now))
    elif step == "rotate":
        secret = await t.write(lambda uow: service.rotate_secret(uow, endpoint_id, now=now).secret)
        return await _endpoint(page, endpoint_id, request, secret=secret)
    elif step in ("pause", "resume"):
        await t.write(lambda uow: service.update_endpoint(uow, endpoint_id, changes={"active": step == "resume"},
                                                          allow_insecure=insecure, now=now))
    elif step == "delete":
        await t.write(lambda uow: service.delete_endpoint(uow, endpoint_id))
        return page.redirect("/portal/webhooks")
    else:
        raise NotFound(page._("Unknown action."))
    return page.redirect(f"/portal/webhooks/{endpoint_id}")


@router.get("/portal/webhook-deliveries/{delivery_id}", response_class=HTMLResponse)
async def delivery(page: Operator, delivery_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.TENANT, Action.UPDATE)

    def read(uow: UnitOfWork) -> tuple[DeliveryRead, dict[str, object], list[AttemptRead]]:
        row = service.get_delivery(uow, delivery_id)
        return (DeliveryRead.model_validate(row), row.payload,
                [AttemptRead.model_validate(a) for a in service.attempts_of(uow, delivery_id)])

    found, payload, attempts = await t.read(read)
    return page.render("operator/webhook_delivery.html", section="webhooks", delivery=found, payload=payload,
                       attempts=attempts)


@router.post("/portal/webhook-deliveries/{delivery_id}/replay", response_class=HTMLResponse)
async def replay(page: Operator, delivery_id: uuid.UUID) -> Response:
    t = await page.tenancy(Resource.TENANT, Action.UPDATE)
    now = page.services.clock.now()
    await t.write(lambda uow: service.replay(uow, delivery_id, now=now))
    return page.redirect(f"/portal/webhook-deliveries/{delivery_id}")
