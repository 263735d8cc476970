from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CampaignStarted:
    """A campaign has chargers to update: the runner starts on it at once."""

    tenant_id: uuid.UUID
    campaign_id: uuid.UUID
