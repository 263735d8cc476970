"""Charger identities and passwords (OCPP security profile 1: HTTP Basic auth).

Passwords are stored as Argon2id hashes. Hashing and verifying take tens of milliseconds on
purpose, so callers run them off the event loop and never inside a unit of work.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from chargeplane.domain.errors import Invalid

MAX_IDENTITY_LENGTH = 48
# OCPP 2.0.1's identifierString, without ':' (it would break Basic auth's "user:password").
_IDENTITY = re.compile(r"^[A-Za-z0-9*\-_=+|@.]{1,48}$")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 64


def check_identity(identity: str) -> str:
    if not identity or len(identity) > MAX_IDENTITY_LENGTH:
        raise Invalid("identity must be 1 to %(maximum)s characters", field="identity", maximum=MAX_IDENTITY_LENGTH)
    if ":" in identity:
        raise Invalid("identity must not contain ':'", field="identity")
    if not _IDENTITY.match(identity):
        raise Invalid("identity may hold letters, digits and * - _ = + | @ . only", field="identity")
    return identity


def check_password(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise Invalid("password must be %(minimum)s to %(maximum)s characters", field="password",
                      minimum=MIN_PASSWORD_LENGTH, maximum=MAX_PASSWORD_LENGTH)
    if not password.isprintable() or not password.isascii():
        raise Invalid("password must be printable ASCII", field="password")
    return password


def generate_password() -> str:
    """32 characters from a URL-safe alphabet: 190 bits, fits OCPP's AuthorizationKey limits."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True, slots=True)
class PasswordHashing:
    time_cost: int = 2
    memory_kib: int = 19 * 1024

    def _hasher(self) -> PasswordHasher:
        return PasswordHasher(time_cost=self.time_cost, memory_cost=self.memory_kib, parallelism=1)

    def hash(self, password: str) -> str:
        return str(self._hasher().hash(password))

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self._hasher().verify(password_hash, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
