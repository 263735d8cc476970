"""Errors the domain raises; transports map them to their own (HTTP problem, OCPP CALLERROR)."""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
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
