"""Events of smart charging, published after the unit that caused them committed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SiteLimitChanged:
    """A site's limit, schedule or a charger's settings changed: plan the site again. `released`
    names chargers whose profiles should be cleared (balancing off, or the charger left the site)."""

    tenant_id: uuid.UUID
    site_id: uuid.UUID | None
    released: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True, slots=True)
class ChargingTargetChanged:
    tenant_id: uuid.UUID
    session_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class SitePlanned:
    """A site's plan was made and its profiles sent (what `GET /sites/{id}/load` shows changed)."""

    tenant_id: uuid.UUID
    site_id: uuid.UUID
