"""Endpoints, deliveries and attempts."""

from __future__ import annotations

import ipaddress
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import or_, select, update

from chargeplane.db import UnitOfWork
from chargeplane.domain.errors import Invalid, NotFound
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.webhooks.catalog import BUILDERS, EVENT_TYPES, envelope
from chargeplane.domain.webhooks.events import WebhookDeliveriesQueued, WebhookEndpointsChanged
from chargeplane.domain.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

RETRY_FOR = timedelta(days=1)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)


def _check_url(url: str, *, allow_insecure: bool) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Invalid("the endpoint must be an https:// URL", field="url")
    if parts.scheme == "http" and not allow_insecure:
        raise Invalid("the endpoint must use https", field="url")
    if not allow_insecure:
        try:
            address = ipaddress.ip_address(parts.hostname)
        except ValueError:
            address = None
        if parts.hostname == "localhost" or (address is not None and (address.is_private or address.is_loopback
                                                                      or address.is_link_local)):
            raise Invalid("the endpoint must be reachable on the internet, not a private address", field="url")
    return url.strip()


def _check_types(types: list[str]) -> list[str]:
    if not types:
        raise Invalid("subscribe to at least one event type (or \"*\" for all)", field="event_types")
    unknown = sorted(set(types) - {*EVENT_TYPES, "*"})
    if unknown:
        raise Invalid("unknown event types: %(names)s", field="event_types", names=", ".join(unknown))
    return sorted(set(types))


def create_endpoint(uow: UnitOfWork, *, url: str, event_types: list[str], description: str | None,
                    allow_insecure: bool, now: datetime) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(url=_check_url(url, allow_insecure=allow_insecure),
                               event_types=_check_types(event_types), description=description,
                               secret=f"whsec_{secrets.token_urlsafe(32)}", active=True, created_at=now,
                               updated_at=now)
    uow.session.add(endpoint)
    uow.session.flush()
    uow.publish(WebhookEndpointsChanged(uow.tenant_id))
    return endpoint


def get_endpoint(uow: UnitOfWork, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = uow.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound("webhook endpoint not found")
    return endpoint


def update_endpoint(uow: UnitOfWork, endpoint_id: uuid.UUID, *, changes: dict[str, Any], allow_insecure: bool,
                    now: datetime) -> WebhookEndpoint:
    endpoint = get_endpoint(uow, endpoint_id)
    if changes.get("url") is not None:
        endpoint.url = _check_url(changes["url"], allow_insecure=allow_insecure)
    if changes.get("event_types") is not None:
        endpoint.event_types = _check_types(changes["event_types"])
    for name in ("description", "active"):
        if name in changes:
            setattr(endpoint, name, changes[name])
    endpoint.updated_at = now
    uow.publish(WebhookEndpointsChanged(uow.tenant_id))
    return endpoint


def rotate_secret(uow: UnitOfWork, endpoint_id: uuid.UUID, *, now: datetime) -> WebhookEndpoint:
    endpoint = get_endpoint(uow, endpoint_id)
    endpoint.secret, endpoint.updated_at = f"whsec_{secrets.token_urlsafe(32)}", now
    return endpoint


def delete_endpoint(uow: UnitOfWork, endpoint_id: uuid.UUID) -> None:
    uow.session.delete(get_endpoint(uow, endpoint_id))
    uow.publish(WebhookEndpointsChanged(uow.tenant_id))


def list_endpoints(uow: UnitOfWork) -> list[WebhookEndpoint]:
    return list(uow.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.created_at)))


def tenants_with_endpoints(uow: UnitOfWork) -> set[uuid.UUID]:
    """Installation scope: which tenants' events must be looked at at all."""
    return set(uow.session.scalars(select(WebhookEndpoint.tenant_id).where(WebhookEndpoint.active.is_(True))))


def record_deliveries(uow: UnitOfWork, *, events: list[Any], now: datetime) -> int:
    """In the unit that caused `events`: one delivery per subscribed endpoint and event."""
    endpoints = [e for e in list_endpoints(uow) if e.active]
    created = 0
    for event in events:
        builder = BUILDERS.get(type(event))
        if builder is None:
            continue
        event_type, data = builder(event)
        payload = None
        for endpoint in endpoints:
            if "*" not in endpoint.event_types and event_type not in endpoint.event_types:
                continue
            payload = payload or envelope(event_type, data, created_at=now)
            _deliver_later(uow, endpoint, event_type, payload, now)
            created += 1
    return created


def _deliver_later(uow: UnitOfWork, endpoint: WebhookEndpoint, event_type: str, payload: dict[str, Any],
                   now: datetime) -> WebhookDelivery:
    delivery = WebhookDelivery(endpoint_id=endpoint.id, event_id=uuid.UUID(payload["id"]), event_type=event_type,
                               payload=payload, status="pending", attempts=0, next_attempt_at=now, created_at=now)
    uow.session.add(delivery)
    return delivery


def send_test(uow: UnitOfWork, endpoint_id: uuid.UUID, *, now: datetime) -> WebhookDelivery:
    endpoint = get_endpoint(uow, endpoint_id)
    delivery = _deliver_later(uow, endpoint, "webhook.test",
                              envelope("webhook.test", {"endpoint_id": str(endpoint.id)}, created_at=now), now)
    uow.session.flush()
    uow.publish(WebhookDeliveriesQueued(uow.tenant_id))
    return delivery


def claim_due(uow: UnitOfWork, *, now: datetime, lease: timedelta, limit: int) -> list[uuid.UUID]:
    """Installation scope: deliveries due now, leased to this process for `lease`."""
    due = list(uow.session.scalars(select(WebhookDelivery.id).where(
        WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until <= now))
        .order_by(WebhookDelivery.next_attempt_at).limit(limit)))
    if due:
        uow.session.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(due))
                            .values(lease_until=now + lease))
    return due


def to_send(uow: UnitOfWork, delivery_id: uuid.UUID) -> tuple[uuid.UUID, str, str, dict[str, Any], str]:
    """(tenant, url, secret, payload, event type) of a delivery; installation scope."""
    row = uow.session.execute(select(WebhookDelivery, WebhookEndpoint).join(
        WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id).where(
        WebhookDelivery.id == delivery_id)).one()
    delivery, endpoint = row
    return delivery.tenant_id, endpoint.url, endpoint.secret, delivery.payload, delivery.event_type


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def record_attempt(uow: UnitOfWork, *, delivery_id: uuid.UUID, status_code: int | None, error: str | None,
                   duration_ms: int, now: datetime) -> WebhookDelivery:
    delivery = uow.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound("webhook delivery not found")
    uow.session.add(WebhookAttempt(delivery_id=delivery.id, attempted_at=now, status_code=status_code,
                                   error=error[:500] if error else None, duration_ms=duration_ms))
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = status_code, (error[:500] if error else None)
    delivery.lease_until = None
    if status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "succeeded", now, None
        return delivery
    wait = min(FIRST_RETRY * 2 ** (delivery.attempts - 1), LONGEST_WAIT)
    if now + wait > _aware(delivery.created_at) + RETRY_FOR:
        delivery.status, delivery.next_attempt_at = "failed", None
    else:
        delivery.next_attempt_at = now + wait
    return delivery


def replay(uow: UnitOfWork, delivery_id: uuid.UUID, *, now: datetime) -> WebhookDelivery:
    """Send the same event (same id: receivers deduplicate) again, now, whatever happened before."""
    delivery = get_delivery(uow, delivery_id)
    delivery.status, delivery.next_attempt_at, delivery.lease_until = "pending", now, None
    uow.publish(WebhookDeliveriesQueued(uow.tenant_id))
    return delivery


def get_delivery(uow: UnitOfWork, delivery_id: uuid.UUID) -> WebhookDelivery:
    delivery = uow.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound("webhook delivery not found")
    return delivery


def attempts_of(uow: UnitOfWork, delivery_id: uuid.UUID) -> list[WebhookAttempt]:
    return list(uow.session.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)
                                    .order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)))


def list_deliveries(uow: UnitOfWork, *, endpoint_id: uuid.UUID, status: str | None, limit: int,
                    after: tuple[datetime, uuid.UUID] | None) -> list[WebhookDelivery]:
    get_endpoint(uow, endpoint_id)
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return list(uow.session.scalars(newest_first(query, WebhookDelivery, limit=limit, after=after)))
