"""Who is calling: a user (portal cookie or app token) or an API key, with the roles they hold."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.errors import Forbidden
from chargeplane.domain.identity.permissions import TENANT_ROLES, Action, Resource, Role, allows
from chargeplane.domain.tenancy.tree import subtree


@dataclass(frozen=True, slots=True)
class Principal:
    tenant_id: uuid.UUID
    kind: str  # user | api_key
    id: uuid.UUID
    label: str
    # (role, account id or None for a tenant-wide role)
    memberships: tuple[tuple[Role, uuid.UUID | None], ...]
    source_address: str | None = None
    login_session_id: uuid.UUID | None = None
    roles: frozenset[Role] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(role for role, _ in self.memberships))

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.id if self.kind == "user" else None

    @property
    def tenant_wide(self) -> bool:
        return any(role in TENANT_ROLES and account is None for role, account in self.memberships)

    def can(self, resource: Resource, action: Action) -> bool:
        return allows(self.roles, resource, action)

    def require(self, resource: Resource, action: Action) -> None:
        if not self.can(resource, action):
            raise Forbidden("your role does not allow %(action)s on %(resource)s", action=action.value,
                            resource=resource.value.replace("_", " "))

    def accounts_with(self, *roles: Role) -> frozenset[uuid.UUID]:
        return frozenset(account for role, account in self.memberships if role in roles and account is not None)


def scope_for(uow: UnitOfWork, principal: Principal) -> Scope:
    """The data a principal's requests see: the whole tenant for tenant staff; for account roles the
    accounts they belong to, and for admins everything nested under theirs."""
    if principal.tenant_wide:
        return Scope.tenant(principal.tenant_id)
    admin_of = principal.accounts_with(Role.ACCOUNT_ADMIN)
    accounts = subtree(uow, admin_of) | principal.accounts_with(Role.ACCOUNT_MEMBER, Role.DRIVER)
    return Scope.of_accounts(principal.tenant_id, accounts)
