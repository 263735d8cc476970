"""Random secrets handed to people and machines (links, tokens, keys) and how they are stored.

They carry 256 bits of randomness, so a fast hash (SHA-256) is the right way to keep them: nobody
can guess them, and looking one up must not cost an Argon2 round per request."""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
