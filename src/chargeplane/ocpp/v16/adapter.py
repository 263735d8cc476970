from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from chargeplane.ocpp.adapter import Handler
from chargeplane.ocpp.schemas import SchemaSet
from chargeplane.ocpp.v16.handlers import HANDLERS

# What a central system sends to a 1.6 charge point (Core, Firmware Management, Local Auth List
# Management, Reservation, Smart Charging and Remote Trigger profiles).
COMMAND_ACTIONS = frozenset({
    "CancelReservation", "ChangeAvailability", "ChangeConfiguration", "ClearCache", "ClearChargingProfile",
    "DataTransfer", "GetCompositeSchedule", "GetConfiguration", "GetDiagnostics", "GetLocalListVersion",
    "RemoteStartTransaction", "RemoteStopTransaction", "ReserveNow", "Reset", "SendLocalList",
    "SetChargingProfile", "TriggerMessage", "UnlockConnector", "UpdateFirmware",
})

# OCPP 1.6 §4.2: "While in pending state, the following Central System initiated messages are not
# allowed: RemoteStartTransaction.req and RemoteStopTransaction.req".
NOT_WHILE_PENDING = frozenset({"RemoteStartTransaction", "RemoteStopTransaction"})

SECRET_KEYS = frozenset({"authorizationkey"})
UPLOAD_SECRET = re.compile(r"(/diagnostics/uploads/)[^/?#]+")
REDACTED = "***"


class Ocpp16:
    subprotocol = "ocpp1.6"

    def __init__(self) -> None:
        self.schemas = SchemaSet("ocpp.v16")
        self.handlers: Mapping[str, Handler] = HANDLERS
        self.command_actions = COMMAND_ACTIONS
        self.not_while_pending = NOT_WHILE_PENDING

    def redact(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """AuthorizationKey (the charger's Basic auth password) and the secret of a diagnostics upload
        address never reach a log or the message log."""
        if action == "GetDiagnostics" and isinstance(payload.get("location"), str):
            return {**payload, "location": UPLOAD_SECRET.sub(r"\1" + REDACTED, payload["location"])}
        if action == "ChangeConfiguration" and str(payload.get("key", "")).lower() in SECRET_KEYS:
            return {**payload, "value": REDACTED}
        if action == "GetConfigurationResponse" and isinstance(payload.get("configurationKey"), list):
            return {**payload, "configurationKey": [
                {**entry, "value": REDACTED} if isinstance(entry, dict)
                and str(entry.get("key", "")).lower() in SECRET_KEYS and "value" in entry else entry
                for entry in payload["configurationKey"]
            ]}
        return payload
