"""Who a unit of work runs for. Taken from the credential, never from a path or a body."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scope:
    """A tenant, and within it the accounts the caller may see.

    `accounts` None means every account of the tenant (tenant staff, chargers, jobs); a set narrows
    `AccountScoped` rows (and accounts themselves) to those accounts, an account admin's subtree."""

    tenant_id: uuid.UUID | None
    system: bool = False
    reason: str = ""
    accounts: frozenset[uuid.UUID] | None = None

    @classmethod
    def tenant(cls, tenant_id: uuid.UUID) -> Scope:
        return cls(tenant_id=tenant_id)

    @classmethod
    def of_accounts(cls, tenant_id: uuid.UUID, accounts: frozenset[uuid.UUID]) -> Scope:
        return cls(tenant_id=tenant_id, accounts=accounts)

    @classmethod
    def installation(cls, reason: str) -> Scope:
        """A deliberate, named look across tenants (a charger handshake, an API key lookup)."""
        if not reason:
            raise ValueError("an installation-wide scope needs a reason")
        return cls(tenant_id=None, system=True, reason=reason)

    def widened(self) -> Scope:
        """The whole tenant: for the domain's own rules that look past the caller's accounts (a
        driver's shared chargers, a sub-account's parent); never handed to a caller's query."""
        return Scope(tenant_id=self.tenant_id, system=self.system, reason=self.reason)
