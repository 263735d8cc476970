"""Roles and what they may do: the one place permissions come from.

A role grants actions on resources. Which objects it reaches is the scope's business (`db.tenancy`):
tenant roles see the whole tenant, account roles their account (admins also its sub-accounts), and
drivers only what `domain.access` shows them. `GRANTS` is read by the table-driven test as written.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    TENANT_ADMIN = "tenant_admin"
    CUSTOMER_SUPPORT = "customer_support"
    ACCOUNT_ADMIN = "account_admin"
    ACCOUNT_MEMBER = "account_member"
    DRIVER = "driver"


TENANT_ROLES = frozenset({Role.TENANT_ADMIN, Role.CUSTOMER_SUPPORT})
ACCOUNT_ROLES = frozenset({Role.ACCOUNT_ADMIN, Role.ACCOUNT_MEMBER, Role.DRIVER})
STAFF_ROLES = TENANT_ROLES  # must be able to use a second factor


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    COMMAND = "command"  # remote commands to chargers


class Resource(StrEnum):
    TENANT = "tenant"
    ACCOUNT = "account"
    USER = "user"
    MEMBERSHIP = "membership"
    INVITATION = "invitation"
    SITE = "site"
    CHARGE_POINT = "charge_point"
    ID_TOKEN = "id_token"
    CUSTOMER_GROUP = "customer_group"
    ACCESS_GRANT = "access_grant"
    TARIFF = "tariff"
    CDR = "cdr"  # charge detail records: immutable, corrected by new versions
    SESSION = "session"
    API_KEY = "api_key"
    AUDIT_LOG = "audit_log"
    OUTBOX = "outbox"
    INVOICE = "invoice"  # U: issue, credit, record payment, edit a draft; D: throw a draft away
    REPORT = "report"  # usage, revenue and transaction reports (read only: they are computed)


R, C, U, D, X = Action.READ, Action.CREATE, Action.UPDATE, Action.DELETE, Action.COMMAND
ALL = frozenset({R, C, U, D})
READ_ONLY = frozenset({R})

GRANTS: dict[Role, dict[Resource, frozenset[Action]]] = {
    Role.TENANT_ADMIN: {
        **dict.fromkeys(Resource, ALL),
        Resource.TENANT: frozenset({R, U}),
        Resource.CHARGE_POINT: ALL | {X},
        Resource.SESSION: READ_ONLY,
        Resource.CDR: frozenset({R, C}),  # C: corrections; a CDR is never edited nor deleted
        Resource.AUDIT_LOG: READ_ONLY,
        Resource.OUTBOX: READ_ONLY,
        Resource.REPORT: READ_ONLY,
    },
    # Support helps customers: reads everything, fixes people and cards, commands chargers; it does
    # not change the tenant's settings, keys or staff, nor delete accounts or chargers.
    Role.CUSTOMER_SUPPORT: {
        Resource.TENANT: READ_ONLY,
        Resource.ACCOUNT: frozenset({R, U}),
        Resource.USER: frozenset({R, U}),
        Resource.MEMBERSHIP: READ_ONLY,
        Resource.INVITATION: frozenset({R, C, D}),
        Resource.SITE: frozenset({R, U}),
        Resource.CHARGE_POINT: frozenset({R, U, X}),
        Resource.ID_TOKEN: frozenset({R, C, U}),
        Resource.CUSTOMER_GROUP: READ_ONLY,
        Resource.ACCESS_GRANT: frozenset({R, C, D}),
        Resource.TARIFF: READ_ONLY,
        Resource.SESSION: READ_ONLY,
        Resource.CDR: frozenset({R, C}),
        Resource.REPORT: READ_ONLY,
        Resource.INVOICE: READ_ONLY,
    },
    Role.ACCOUNT_ADMIN: {
        Resource.TENANT: READ_ONLY,
        Resource.ACCOUNT: frozenset({R, C, U}),  # creates sub-accounts, edits its own tree
        Resource.USER: frozenset({R, U}),
        Resource.MEMBERSHIP: ALL,
        Resource.INVITATION: ALL,
        Resource.SITE: ALL,
        # An owner (a private person with a consumer account, a company) registers and removes its own
        # chargers; the tenancy gate keeps them inside its accounts.
        Resource.CHARGE_POINT: ALL | {X},
        Resource.ID_TOKEN: ALL,
        Resource.CUSTOMER_GROUP: ALL,
        Resource.ACCESS_GRANT: ALL,
        Resource.TARIFF: ALL,
        Resource.SESSION: READ_ONLY,
        Resource.CDR: READ_ONLY,
        Resource.API_KEY: ALL,
        Resource.REPORT: READ_ONLY,
        Resource.INVOICE: ALL,  # what its own accounts issue: the gate keeps it to them
    },
    Role.ACCOUNT_MEMBER: {
        Resource.TENANT: READ_ONLY,
        Resource.ACCOUNT: READ_ONLY,
        Resource.USER: READ_ONLY,
        Resource.MEMBERSHIP: READ_ONLY,
        Resource.SITE: READ_ONLY,
        Resource.CHARGE_POINT: frozenset({R, X}),
        Resource.ID_TOKEN: READ_ONLY,
        Resource.CUSTOMER_GROUP: READ_ONLY,
        Resource.ACCESS_GRANT: READ_ONLY,
        Resource.TARIFF: READ_ONLY,
        Resource.SESSION: READ_ONLY,
        Resource.CDR: READ_ONLY,
        Resource.REPORT: READ_ONLY,
        Resource.INVOICE: READ_ONLY,
    },
    # Drivers use the driver API (/api/v1/me), which answers for their own cards, chargers and sessions.
    Role.DRIVER: {},
}

# Who may hand out which role: never more than one holds, never a tenant role from an account.
ASSIGNABLE: dict[Role, frozenset[Role]] = {
    Role.TENANT_ADMIN: frozenset(Role),
    Role.CUSTOMER_SUPPORT: frozenset(),
    Role.ACCOUNT_ADMIN: ACCOUNT_ROLES,
    Role.ACCOUNT_MEMBER: frozenset(),
    Role.DRIVER: frozenset(),
}


def allows(roles: frozenset[Role], resource: Resource, action: Action) -> bool:
    return any(action in GRANTS[role].get(resource, frozenset()) for role in roles)


def assignable_roles(roles: frozenset[Role]) -> frozenset[Role]:
    return frozenset().union(*(ASSIGNABLE[role] for role in roles)) if roles else frozenset()
