"""Compiled JSON-schema validators for each OCPP version, from the schemas the `ocpp` package ships.

fastjsonschema turns a schema into Python code once; a check then costs microseconds instead of
the hundreds a generic validator spends on every MeterValues.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import Any

import fastjsonschema
import orjson

from chargeplane.ocpp.errors import (
    FORMATION_VIOLATION,
    OCCURENCE_CONSTRAINT_VIOLATION,
    PROPERTY_CONSTRAINT_VIOLATION,
    TYPE_CONSTRAINT_VIOLATION,
    CallErrorReply,
)

Validator = Callable[[Any], Any]

# What each JSON-schema rule means in OCPP's words.
_CODE_FOR_RULE = {
    "type": TYPE_CONSTRAINT_VIOLATION,
    "maxLength": TYPE_CONSTRAINT_VIOLATION,  # CiStringNType: the length is part of the type
    "required": OCCURENCE_CONSTRAINT_VIOLATION,
    "minItems": OCCURENCE_CONSTRAINT_VIOLATION,
    "maxItems": OCCURENCE_CONSTRAINT_VIOLATION,
    "additionalProperties": FORMATION_VIOLATION,
}


class SchemaSet:
    """Validators of one OCPP version, compiled on first use of each action and kept."""

    def __init__(self, package: str) -> None:
        self._dir = resources.files(package) / "schemas"
        self._validators: dict[str, Validator | None] = {}
        self.actions = frozenset(
            p.name.removesuffix(".json") for p in self._dir.iterdir()
            if p.name.endswith(".json") and not p.name.endswith("Response.json")
        )

    def _validator(self, name: str) -> Validator | None:
        try:
            return self._validators[name]
        except KeyError:
            pass
        path = self._dir / f"{name}.json"
        validator: Validator | None = None
        if path.is_file():
            schema = orjson.loads(path.read_bytes())
            validator = fastjsonschema.compile(schema)
        self._validators[name] = validator
        return validator

    def warm(self) -> None:
        for action in self.actions:
            self._validator(action)
            self._validator(f"{action}Response")

    def check_request(self, action: str, payload: Any) -> None:
        _check(self._validator(action), payload)

    def check_response(self, action: str, payload: Any) -> None:
        _check(self._validator(f"{action}Response"), payload)


def _check(validator: Validator | None, payload: Any) -> None:
    if validator is None:
        raise LookupError("no schema")
    try:
        validator(payload)
    except fastjsonschema.JsonSchemaValueException as exc:
        # fastjsonschema's message names the field and the rule, never the offending value.
        field = (exc.name or "data").removeprefix("data").lstrip(".") or "payload"
        message = (exc.message or "").removeprefix(exc.name or "").strip()
        if exc.rule == "additionalProperties":  # its message would name the charger's own keys
            message = "holds properties the schema does not define"
        code = _CODE_FOR_RULE.get(exc.rule or "", PROPERTY_CONSTRAINT_VIOLATION)
        raise CallErrorReply(code, f"{field} {message}".strip(), {"field": field, "rule": exc.rule}) from None
