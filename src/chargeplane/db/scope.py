"""Who a unit of work runs for. Taken from the credential, never from a path or a body."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scope:
    tenant_id: uuid.UUID | None
    system: bool = False
    reason: str = ""

    @classmethod
    def tenant(cls, tenant_id: uuid.UUID) -> Scope:
        return cls(tenant_id=tenant_id)

    @classmethod
    def installation(cls, reason: str) -> Scope:
        """A deliberate, named look across tenants (a charger handshake, an API key lookup)."""
        if not reason:
            raise ValueError("an installation-wide scope needs a reason")
        return cls(tenant_id=None, system=True, reason=reason)
