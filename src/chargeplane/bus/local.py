"""The in-process bus: domain events fan out to subscribers; commands reach the live connection.

A cluster will put Redis behind the same two interfaces; callers do not change.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from chargeplane.bus.errors import ChargerNotConnected

log = logging.getLogger(__name__)

Handler = Callable[[Any], None]


class ChargerGateway(Protocol):
    """Talks to connected chargers. The OCPP connection registry implements it."""

    async def call(self, charge_point_id: uuid.UUID, action: str, payload: dict[str, Any],
                   timeout: float | None = None) -> dict[str, Any]: ...

    def is_connected(self, charge_point_id: uuid.UUID) -> bool: ...

    def last_seen(self, charge_point_id: uuid.UUID) -> datetime | None: ...

    def command_actions(self, charge_point_id: uuid.UUID) -> frozenset[str]:
        """The actions this charger's protocol lets us send (any version's, when it is not connected)."""
        ...

    def check_command(self, charge_point_id: uuid.UUID, action: str, payload: dict[str, Any]) -> None:
        """Raise InvalidCommand unless `payload` fits `action` (for a command queued while offline)."""
        ...


class _NoGateway:
    async def call(self, charge_point_id: uuid.UUID, action: str, payload: dict[str, Any],
                   timeout: float | None = None) -> dict[str, Any]:
        raise ChargerNotConnected("no OCPP server runs in this process")

    def is_connected(self, charge_point_id: uuid.UUID) -> bool:
        return False

    def last_seen(self, charge_point_id: uuid.UUID) -> datetime | None:
        return None

    def command_actions(self, charge_point_id: uuid.UUID) -> frozenset[str]:
        return frozenset()

    def check_command(self, charge_point_id: uuid.UUID, action: str, payload: dict[str, Any]) -> None:
        raise ChargerNotConnected("no OCPP server runs in this process")


class LocalBus:
    def __init__(self) -> None:
        self._subscribers: dict[type, list[Handler]] = defaultdict(list)
        self.gateway: ChargerGateway = _NoGateway()

    def attach_gateway(self, gateway: ChargerGateway) -> None:
        self.gateway = gateway

    def subscribe(self, event_type: type, handler: Handler) -> None:
        self._subscribers[event_type].append(handler)

    def publish(self, events: Sequence[Any]) -> None:
        """Called after a commit. A failing subscriber is logged and does not stop the others."""
        for event in events:
            for handler in self._subscribers.get(type(event), ()):
                try:
                    handler(event)
                except Exception:
                    log.exception("event handler %r failed for %s", handler, type(event).__name__)
