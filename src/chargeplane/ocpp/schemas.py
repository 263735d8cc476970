"""JSON-schema validators for each OCPP version, from the schemas the `ocpp` package ships.

jsonschema-rs compiles a schema once and checks a MeterValues with nine sampled values in ~1.5 µs;
fastjsonschema took ~15 µs and was a tenth of the event loop's time under load (bench/). The schemas
declare draft-04, so `5.0` is not an integer. Errors are described from the schema's side (the field,
the rule, the limit), never with the value the charger sent.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import jsonschema_rs
import orjson

from chargeplane.ocpp.errors import (
    FORMATION_VIOLATION,
    OCCURENCE_CONSTRAINT_VIOLATION,
    PROPERTY_CONSTRAINT_VIOLATION,
    TYPE_CONSTRAINT_VIOLATION,
    CallErrorReply,
)

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
        self._validators: dict[str, Any] = {}
        self.actions = frozenset(
            p.name.removesuffix(".json") for p in self._dir.iterdir()
            if p.name.endswith(".json") and not p.name.endswith("Response.json")
        )

    def _validator(self, name: str) -> Any:
        try:
            return self._validators[name]
        except KeyError:
            pass
        path = self._dir / f"{name}.json"
        validator = None
        if path.is_file():
            validator = jsonschema_rs.validator_for(orjson.loads(path.read_bytes()), validate_formats=True)
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


def _check(validator: Any, payload: Any) -> None:
    if validator is None:
        raise LookupError("no schema")
    try:
        validator.validate(payload)
    except jsonschema_rs.ValidationError as exc:
        field = ".".join(str(part) for part in exc.instance_path) or "payload"
        rule = str(exc.schema_path[-1]) if exc.schema_path else "schema"
        code = _CODE_FOR_RULE.get(rule, PROPERTY_CONSTRAINT_VIOLATION)
        raise CallErrorReply(code, _describe(field, rule, exc.kind), {"field": field, "rule": rule}) from None


def _describe(field: str, rule: str, kind: Any) -> str:
    if rule == "required":
        return f"{field} lacks the required property {kind.property}"
    if rule == "type":
        return f"{field} must be of type {' or '.join(str(t) for t in kind.types)}"
    if rule in ("maxLength", "minLength", "maxItems", "minItems"):
        return f"{field} breaks {rule} {kind.limit}"
    if rule == "additionalProperties":
        return f"{field} holds properties the schema does not define"
    if rule == "enum":
        return f"{field} is not one of the values the schema allows"
    if rule == "format":
        return f"{field} is not a valid {kind.format}"
    return f"{field} breaks the schema's {rule} rule"
