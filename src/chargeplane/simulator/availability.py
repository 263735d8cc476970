"""ChangeAvailability on a simulated charge point: what changes at once, and what waits for the
running transaction to end (answered "Scheduled")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chargeplane.simulator.connectors import Connector

if TYPE_CHECKING:
    from chargeplane.simulator.station import Station


def change(station: Station, connector_id: int, kind: str) -> tuple[str, list[int]]:
    """("Accepted" | "Scheduled" | "Rejected", connectors whose status changed)."""
    if connector_id != 0 and connector_id not in station.connectors:
        return "Rejected", []
    operative = kind == "Operative"
    targets = list(station.connectors.values()) if connector_id == 0 else [station.connectors[connector_id]]
    scheduled = False
    changed: list[int] = []
    for connector in targets:
        if connector.transaction is not None and not operative:
            connector.scheduled_availability = kind
            scheduled = True
            continue
        connector.operative = operative
        connector.scheduled_availability = None
    if connector_id == 0:
        if scheduled:
            station.scheduled_operative = operative
        else:
            station.operative, station.scheduled_operative = operative, None
            changed.append(0)
    for connector in targets:
        if connector.transaction is None and not connector.starting:
            new = station.idle_status(connector)
            if new != connector.status:
                connector.status = new
                changed.append(connector.connector_id)
    return ("Scheduled" if scheduled else "Accepted"), changed


async def apply_scheduled(station: Station, connector: Connector) -> None:
    """The transaction on `connector` has ended: whatever change waited for it applies now."""
    if connector.scheduled_availability is not None:
        connector.operative = connector.scheduled_availability == "Operative"
        connector.scheduled_availability = None
    if station.scheduled_operative is not None and station.charging == 0:
        station.operative, station.scheduled_operative = station.scheduled_operative, None
        await station.send_status(0)
        for other in station.connectors.values():
            if other is not connector:
                await station.set_status(other, station.idle_status(other))
