"""OCPP-J RPC errors (CALLERROR codes) and the exceptions that carry them."""

from __future__ import annotations

from typing import Any

# OCPP 1.6J, section 4.2.3 (spelling "Occurence" is the 1.6 specification's own).
NOT_IMPLEMENTED = "NotImplemented"
NOT_SUPPORTED = "NotSupported"
INTERNAL_ERROR = "InternalError"
PROTOCOL_ERROR = "ProtocolError"
SECURITY_ERROR = "SecurityError"
FORMATION_VIOLATION = "FormationViolation"
PROPERTY_CONSTRAINT_VIOLATION = "PropertyConstraintViolation"
OCCURENCE_CONSTRAINT_VIOLATION = "OccurenceConstraintViolation"
TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"
GENERIC_ERROR = "GenericError"

UNREADABLE_ID = "-1"


class CallErrorReply(Exception):
    """Raised while handling a CALL: the charger gets this CALLERROR instead of a result.

    `description` and `details` must never echo the charger's payload back (it may hold secrets)."""

    def __init__(self, code: str, description: str, details: dict[str, Any] | None = None,
                 unique_id: str | None = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description[:255]
        self.details = details or {}
        self.unique_id = unique_id

