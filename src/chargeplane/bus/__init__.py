"""Events and commands between the parts of the app (in-process now; Redis for a cluster later)."""

from chargeplane.bus.errors import (
    ChargerBusy,
    ChargerCallError,
    ChargerCallFailed,
    ChargerNotConnected,
    ChargerPending,
    ChargerRejected,
    ChargerReplyInvalid,
    ChargerTimeout,
    InvalidCommand,
)
from chargeplane.bus.local import ChargerGateway, LocalBus

__all__ = [
    "ChargerBusy",
    "ChargerCallError",
    "ChargerCallFailed",
    "ChargerGateway",
    "ChargerNotConnected",
    "ChargerPending",
    "ChargerRejected",
    "ChargerReplyInvalid",
    "ChargerTimeout",
    "InvalidCommand",
    "LocalBus",
]
