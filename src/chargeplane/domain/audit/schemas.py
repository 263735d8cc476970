from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    actor_type: str
    actor_id: uuid.UUID | None
    actor_label: str | None
    source_address: str | None
    action: str
    object_type: str
    object_id: str | None
    account_id: uuid.UUID | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
