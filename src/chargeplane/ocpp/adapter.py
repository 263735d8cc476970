"""What a protocol-version adapter provides to the shared connection code."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chargeplane.config import Settings
from chargeplane.db import UnitOfWork
from chargeplane.domain.sessions.known import KnownSessions
from chargeplane.ocpp.schemas import SchemaSet


@dataclass(slots=True)
class CallContext:
    """About one CALL from a charger, handed to the version's handler."""

    charge_point_id: uuid.UUID
    tenant_id: uuid.UUID
    identity: str
    received_at: datetime
    settings: Settings
    set_boot_status: Callable[[str], None]
    known_sessions: KnownSessions


# A handler runs inside the unit of work and returns the CALLRESULT payload.
Handler = Callable[[CallContext, UnitOfWork, dict[str, Any]], dict[str, Any]]


class Adapter(Protocol):
    subprotocol: str
    schemas: SchemaSet
    handlers: Mapping[str, Handler]
    command_actions: frozenset[str]
    # Commands the protocol forbids while the charger's boot is Pending.
    not_while_pending: frozenset[str]

    def redact(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The payload as it may be stored or logged: secrets replaced."""
        ...
