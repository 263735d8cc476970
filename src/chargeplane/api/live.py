"""Live views as server-sent events: the portal's fragments (freshly rendered HTML) and the API's
JSON views (the fleet status, one charger) use the same streams.

A stream renders its view again when something happens to the tenant's chargers or sessions (the
bus's events, woken at once) and at least every `portal_live_interval` seconds (energy and power
move without events), and sends it only when it changed. The portal swaps HTML in with htmx's SSE
extension: `<div hx-ext="sse" sse-connect="/portal/live/..." sse-swap="update">`; API clients read
`event: status` frames whose data is the JSON of the matching GET.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

from chargeplane.bus import LocalBus
from chargeplane.domain.assets.events import (
    ChargePointChanged,
    ChargePointConnected,
    ChargePointDisconnected,
    ConnectorStatusChanged,
)
from chargeplane.domain.sessions.events import SessionStarted, SessionStopped
from chargeplane.domain.smartcharging.events import ChargingTargetChanged, SiteLimitChanged, SitePlanned

WAKING_EVENTS: tuple[type, ...] = (ChargePointChanged, ChargePointConnected, ChargePointDisconnected,
                                   ConnectorStatusChanged, SessionStarted, SessionStopped,
                                   SiteLimitChanged, SitePlanned, ChargingTargetChanged)


class LiveHub:
    """Wakes every open stream of a tenant when one of the bus's charger or session events of that tenant arrives."""

    def __init__(self, bus: LocalBus) -> None:
        self._listeners: dict[uuid.UUID, set[asyncio.Event]] = defaultdict(set)
        for event_type in WAKING_EVENTS:
            bus.subscribe(event_type, self._on_event)

    def _on_event(self, event: Any) -> None:
        for listener in self._listeners.get(event.tenant_id, ()):
            listener.set()

    @contextlib.contextmanager
    def listening(self, tenant_id: uuid.UUID) -> Any:
        wake = asyncio.Event()
        self._listeners[tenant_id].add(wake)
        try:
            yield wake
        finally:
            self._listeners[tenant_id].discard(wake)
            if not self._listeners[tenant_id]:
                del self._listeners[tenant_id]


def _frame(html: str, event: str = "update") -> str:
    data = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
    return f"event: {event}\n{data}\n"


def stream(request: Request, tenant_id: uuid.UUID, render: Callable[[], Awaitable[str]], *,
           event: str = "update") -> StreamingResponse:
    """An SSE response that sends `render()`'s text whenever it changes (see the module's docstring)."""
    hub: LiveHub = request.app.state.live
    interval: float = request.app.state.services.settings.portal_live_interval

    async def events() -> AsyncIterator[str]:
        last = None
        with hub.listening(tenant_id) as wake:
            while not await request.is_disconnected():
                html = await render()
                if html != last:
                    yield _frame(html, event)
                    last = html
                else:
                    yield ": still here\n\n"  # a comment: keeps proxies from closing an idle stream
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=interval)
                wake.clear()

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
