"""OCPP-J framing as a charge point sees it: [2, id, action, payload], [3, id, payload], [4, id, code, text, details].

The simulator keeps its own small copy of this instead of importing the server's: it is meant to be an
independent implementation, so that a mistake shared by both sides cannot hide itself in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

CALL, CALLRESULT, CALLERROR = 2, 3, 4

# OCPP 1.6J section 4.2.3 error codes (the 1.6 spelling "Occurence" is the specification's own).
NOT_IMPLEMENTED = "NotImplemented"
NOT_SUPPORTED = "NotSupported"
INTERNAL_ERROR = "InternalError"
PROTOCOL_ERROR = "ProtocolError"
FORMATION_VIOLATION = "FormationViolation"
TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"
GENERIC_ERROR = "GenericError"


@dataclass(frozen=True, slots=True)
class Call:
    unique_id: str
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallResult:
    unique_id: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallError:
    unique_id: str
    code: str
    description: str
    details: dict[str, Any]


Frame = Call | CallResult | CallError


class MalformedFrame(Exception):
    """A frame we cannot use. `unique_id` is set when the id was readable, so a CALL can still be answered."""

    def __init__(self, problem: str, unique_id: str | None = None) -> None:
        super().__init__(problem)
        self.unique_id = unique_id


def parse_frame(text: str | bytes) -> Frame:
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise MalformedFrame("not JSON") from None
    if not isinstance(message, list) or len(message) < 3:
        raise MalformedFrame("not an OCPP-J array")
    kind, unique_id = message[0], message[1]
    if not isinstance(unique_id, str) or not unique_id:
        raise MalformedFrame("unreadable message id")
    if kind == CALL and len(message) == 4 and isinstance(message[2], str) and isinstance(message[3], dict):
        return Call(unique_id, message[2], message[3])
    if kind == CALLRESULT and len(message) == 3:
        payload = message[2] if isinstance(message[2], dict) else {}
        return CallResult(unique_id, payload)
    if kind == CALLERROR and len(message) == 5:
        details = message[4] if isinstance(message[4], dict) else {}
        return CallError(unique_id, str(message[2]), str(message[3]), details)
    raise MalformedFrame("not a CALL, CALLRESULT or CALLERROR", unique_id if kind == CALL else None)


def encode_call(unique_id: str, action: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([CALL, unique_id, action, payload]).decode()


def encode_result(unique_id: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([CALLRESULT, unique_id, payload]).decode()


def encode_error(unique_id: str, code: str, description: str = "", details: dict[str, Any] | None = None) -> str:
    return orjson.dumps([CALLERROR, unique_id, code, description[:255], details or {}]).decode()


def timestamp(at: datetime | None = None) -> str:
    """OCPP date-time: UTC with milliseconds and a 'Z'."""
    value = (at or datetime.now(UTC)).astimezone(UTC)
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
