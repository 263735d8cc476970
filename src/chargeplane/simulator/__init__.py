"""A fleet of simulated OCPP 1.6J charge points: for the demo, the tests and the benchmarks.

It speaks OCPP-J over its own WebSocket client and never imports the server's code: it is a charger
from the outside, so that what it proves about the server is proved independently.
"""

from chargeplane.simulator.charger import SimulatedCharger
from chargeplane.simulator.connectors import Transaction
from chargeplane.simulator.fleet import Fleet
from chargeplane.simulator.link import CallErrorReceived, CallTimeout, HandshakeRefused, NotConnected
from chargeplane.simulator.options import ChargerOptions
from chargeplane.simulator.station import AuthorizationRejected, NotPossible
from chargeplane.simulator.stats import ChargerStats, LatencyHistogram

__all__ = [
    "AuthorizationRejected", "CallErrorReceived", "CallTimeout", "ChargerOptions", "ChargerStats", "Fleet",
    "HandshakeRefused", "LatencyHistogram", "NotConnected", "NotPossible", "SimulatedCharger", "Transaction",
]
