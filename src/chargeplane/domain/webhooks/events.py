from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WebhookEndpointsChanged:
    """A tenant's endpoints changed: the dispatcher refreshes whom it records deliveries for."""

    tenant_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class WebhookDeliveriesQueued:
    """A delivery was queued outside the events it carries (a test, a replay): send it now."""

    tenant_id: uuid.UUID
