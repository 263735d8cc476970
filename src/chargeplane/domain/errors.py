"""Errors the domain raises; transports map them to their own (HTTP problem, OCPP CALLERROR).

A message is a %-style template with named placeholders filled from the error's details
(`Invalid("%(field)s must be printable ASCII", field=field)`; a literal % is written %%): the API
answers with the filled English `message`, while the portal looks the `template` up in the viewer's
catalog and fills that. So a template is a string literal at the raise site, never an f-string:
`scripts/messages` extracts the literals, and tests/portal/test_form_errors_i18n.py checks them."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic_core import PydanticCustomError


def fill(template: str, params: Mapping[str, object]) -> str:
    """The template with its placeholders filled; the template itself if they do not fit the
    parameters (a message is never worth a crash)."""
    try:
        return template % params
    except (KeyError, ValueError, TypeError):
        return template


def N_(template: str) -> str:
    """Marks a template that reaches an error other than as its first argument, for extraction."""
    return template


def invalid_value(template: str, **params: object) -> PydanticCustomError:
    """What a pydantic validator raises to refuse a value: pydantic's `value_error` with the filled
    English message (the API's), its context carrying the template and parameters to translate."""
    return PydanticCustomError("value_error", fill(template, params), {"template": template, **params})


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, template: str, /, **details: object) -> None:
        message = fill(template, details)
        super().__init__(message)
        self.template = template
        self.message = message
        self.details = details


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class Invalid(DomainError):
    code = "invalid"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    code = "forbidden"


class Unauthenticated(DomainError):
    """Credentials missing, wrong or expired."""

    code = "unauthenticated"


class Gone(DomainError):
    """It existed but can no longer be used (a used or withdrawn link)."""

    code = "gone"


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
