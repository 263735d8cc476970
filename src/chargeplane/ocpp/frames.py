"""Parsing and encoding OCPP-J frames: [2, id, action, payload], [3, id, payload], [4, id, code, text, details]."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from chargeplane.ocpp.errors import (
    FORMATION_VIOLATION,
    PROTOCOL_ERROR,
    UNREADABLE_ID,
    CallErrorReply,
)

CALL, CALLRESULT, CALLERROR = 2, 3, 4
MAX_UNIQUE_ID_LENGTH = 128  # the specification says 36; be lenient but bounded


@dataclass(frozen=True, slots=True)
class Call:
    unique_id: str
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallResult:
    unique_id: str
    payload: Any


@dataclass(frozen=True, slots=True)
class CallError:
    unique_id: str
    code: Any
    description: Any
    details: Any


Frame = Call | CallResult | CallError


def parse(text: str | bytes) -> Frame:
    """Parse one frame; raises CallErrorReply (with the id to answer to, or "-1") when it is broken."""
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise CallErrorReply(FORMATION_VIOLATION, "message is not valid JSON", unique_id=UNREADABLE_ID) from None
    if not isinstance(message, list) or not message:
        raise CallErrorReply(PROTOCOL_ERROR, "message must be a JSON array", unique_id=UNREADABLE_ID)
    kind = message[0]
    unique_id = message[1] if len(message) > 1 else None
    if not isinstance(unique_id, str) or not unique_id or len(unique_id) > MAX_UNIQUE_ID_LENGTH:
        raise CallErrorReply(PROTOCOL_ERROR, "message id is missing or unreadable", unique_id=UNREADABLE_ID)
    if type(kind) is not int or kind not in (CALL, CALLRESULT, CALLERROR):
        raise CallErrorReply(PROTOCOL_ERROR, "unknown message type id", unique_id=unique_id)
    if kind == CALL:
        if len(message) != 4:
            raise CallErrorReply(PROTOCOL_ERROR, "a CALL has exactly 4 elements", unique_id=unique_id)
        action, payload = message[2], message[3]
        if not isinstance(action, str) or not action:
            raise CallErrorReply(PROTOCOL_ERROR, "action must be a non-empty string", unique_id=unique_id)
        if not isinstance(payload, dict):
            raise CallErrorReply(FORMATION_VIOLATION, "payload must be a JSON object", unique_id=unique_id)
        return Call(unique_id, action, payload)
    if kind == CALLRESULT:
        if len(message) != 3:
            raise CallErrorReply(PROTOCOL_ERROR, "a CALLRESULT has exactly 3 elements", unique_id=unique_id)
        return CallResult(unique_id, message[2])
    if len(message) != 5:
        raise CallErrorReply(PROTOCOL_ERROR, "a CALLERROR has exactly 5 elements", unique_id=unique_id)
    return CallError(unique_id, message[2], message[3], message[4])


# JSON can carry U+0000 only escaped; no text column of PostgreSQL can store it.
ESCAPED_NUL = "\\u0000"


def holds_nul(value: Any) -> bool:
    """True if a string anywhere in `value` (keys included) holds U+0000."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_nul(v) for v in value)
    return False


def encode_call(unique_id: str, action: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([CALL, unique_id, action, payload]).decode()


def encode_result(unique_id: str, payload: dict[str, Any]) -> str:
    return orjson.dumps([CALLRESULT, unique_id, payload]).decode()


def encode_error(unique_id: str, code: str, description: str, details: dict[str, Any] | None = None) -> str:
    return orjson.dumps([CALLERROR, unique_id, code, description, details or {}]).decode()
