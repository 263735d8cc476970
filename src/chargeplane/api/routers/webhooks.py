"""Webhooks: endpoints subscribed to event types, their deliveries with every attempt, replay, a
test event, secret rotation. Tenant admins manage them; the signing scheme is in
`domain/webhooks/signing.py` (and docs/webhooks.md)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Response

from chargeplane.api.auth import permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.db import UnitOfWork
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.webhooks import service
from chargeplane.domain.webhooks.catalog import EVENT_TYPES
from chargeplane.domain.webhooks.models import WebhookDelivery
from chargeplane.domain.webhooks.schemas import (
    AttemptRead,
    DeliveryDetail,
    DeliveryRead,
    EndpointCreate,
    EndpointRead,
    EndpointUpdate,
    EndpointWithSecret,
)

router = APIRouter(tags=["webhooks"])

Read = Annotated[Tenancy, Depends(permit(Resource.TENANT, Action.READ))]
Manage = Annotated[Tenancy, Depends(permit(Resource.TENANT, Action.UPDATE))]


def _detail(uow: UnitOfWork, delivery: WebhookDelivery) -> DeliveryDetail:
    return DeliveryDetail(**DeliveryRead.model_validate(delivery).model_dump(), payload=delivery.payload,
                          attempt_log=[AttemptRead.model_validate(a) for a in service.attempts_of(uow, delivery.id)])


@router.get("/webhook-event-types", response_model=list[str], operation_id="list_webhook_event_types")
async def event_types(t: Read) -> list[str]:
    return list(EVENT_TYPES)


@router.post("/webhook-endpoints", response_model=EndpointWithSecret, status_code=201,
             operation_id="create_webhook_endpoint")
async def create_endpoint(body: EndpointCreate, t: Manage, response: Response) -> EndpointWithSecret:
    now, insecure = t.services.clock.now(), t.services.settings.webhooks_allow_insecure
    created = await t.write(lambda uow: EndpointWithSecret.model_validate(service.create_endpoint(
        uow, url=body.url, event_types=body.event_types, description=body.description, allow_insecure=insecure,
        now=now)))
    response.headers["Location"] = f"/api/v1/webhook-endpoints/{created.id}"
    return created


@router.get("/webhook-endpoints", response_model=list[EndpointRead], operation_id="list_webhook_endpoints")
async def list_endpoints(t: Read) -> list[EndpointRead]:
    return await t.read(lambda uow: [EndpointRead.model_validate(e) for e in service.list_endpoints(uow)])


@router.get("/webhook-endpoints/{endpoint_id}", response_model=EndpointRead, operation_id="get_webhook_endpoint")
async def get_endpoint(endpoint_id: uuid.UUID, t: Read) -> EndpointRead:
    return await t.read(lambda uow: EndpointRead.model_validate(service.get_endpoint(uow, endpoint_id)))


@router.patch("/webhook-endpoints/{endpoint_id}", response_model=EndpointRead, operation_id="update_webhook_endpoint")
async def update_endpoint(endpoint_id: uuid.UUID, body: EndpointUpdate, t: Manage) -> EndpointRead:
    now, insecure, changes = t.services.clock.now(), t.services.settings.webhooks_allow_insecure, \
        body.model_dump(exclude_unset=True)
    return await t.write(lambda uow: EndpointRead.model_validate(service.update_endpoint(
        uow, endpoint_id, changes=changes, allow_insecure=insecure, now=now)))


@router.post("/webhook-endpoints/{endpoint_id}/rotate-secret", response_model=EndpointWithSecret,
             operation_id="rotate_webhook_secret")
async def rotate_secret(endpoint_id: uuid.UUID, t: Manage) -> EndpointWithSecret:
    """A new signing secret, effective for every delivery sent from now on."""
    now = t.services.clock.now()
    return await t.write(lambda uow: EndpointWithSecret.model_validate(service.rotate_secret(uow, endpoint_id,
                                                                                             now=now)))


@router.delete("/webhook-endpoints/{endpoint_id}", status_code=204, operation_id="delete_webhook_endpoint")
async def delete_endpoint(endpoint_id: uuid.UUID, t: Manage) -> Response:
    await t.write(lambda uow: service.delete_endpoint(uow, endpoint_id))
    return Response(status_code=204)


@router.post("/webhook-endpoints/{endpoint_id}/test", response_model=DeliveryRead, status_code=202,
             operation_id="test_webhook_endpoint")
async def test_endpoint(endpoint_id: uuid.UUID, t: Manage) -> DeliveryRead:
    """Queue a `webhook.test` event for this endpoint; follow its delivery."""
    now = t.services.clock.now()
    return await t.write(lambda uow: DeliveryRead.model_validate(service.send_test(uow, endpoint_id, now=now)))


@router.get("/webhook-endpoints/{endpoint_id}/deliveries", response_model=Page[DeliveryRead],
            operation_id="list_webhook_deliveries")
async def list_deliveries(endpoint_id: uuid.UUID, t: Read,
                          status: Literal["pending", "succeeded", "failed"] | None = None,
                          limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    after = decode_cursor(cursor)
    rows = await t.read(lambda uow: [DeliveryRead.model_validate(d) for d in service.list_deliveries(
        uow, endpoint_id=endpoint_id, status=status, limit=limit, after=after)])
    return page(rows, rows, limit)


@router.get("/webhook-deliveries/{delivery_id}", response_model=DeliveryDetail, operation_id="get_webhook_delivery")
async def get_delivery(delivery_id: uuid.UUID, t: Read) -> DeliveryDetail:
    """The event as sent, and every attempt: when, the HTTP status or the error, how long it took."""
    return await t.read(lambda uow: _detail(uow, service.get_delivery(uow, delivery_id)))


@router.post("/webhook-deliveries/{delivery_id}/replay", response_model=DeliveryRead,
             operation_id="replay_webhook_delivery")
async def replay_delivery(delivery_id: uuid.UUID, t: Manage) -> DeliveryRead:
    """Send the same event (same id) again now, whatever happened to it before."""
    now = t.services.clock.now()
    return await t.write(lambda uow: DeliveryRead.model_validate(service.replay(uow, delivery_id, now=now)))
