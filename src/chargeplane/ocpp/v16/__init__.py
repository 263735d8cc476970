"""OCPP 1.6J: maps 1.6 messages to version-neutral domain calls and back."""

from chargeplane.ocpp.v16.adapter import Ocpp16

__all__ = ["Ocpp16"]
