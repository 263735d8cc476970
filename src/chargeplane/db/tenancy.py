"""The one tenancy gate.

Every ORM statement runs with a `Scope` found in `session.info`. Reads, updates and deletes of
`TenantScoped` rows get the scope's tenant as loader criteria; inserts and flushes are refused when
they would write another tenant's row; a session without a scope raises. A scope narrowed to some
accounts also narrows `AccountScoped` rows and the accounts table to them. No handler filters by
tenant or account by hand: they get it from here.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from typing import Any, ClassVar

from sqlalchemy import Table, event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, with_loader_criteria
from sqlalchemy.orm.attributes import get_history

from chargeplane.db.base import AccountScoped, TenantScoped
from chargeplane.db.scope import Scope

SCOPE_KEY = "chargeplane.scope"


class TenancyError(RuntimeError):
    """A statement ran without a scope, or tried to touch another tenant's rows."""


class IsTenant:
    """Marks the tenants table itself: a tenant scope sees only its own row."""

    id: Any
    mapped: ClassVar[list[type[Any]]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        IsTenant.mapped.append(cls)


class IsAccount:
    """Marks the accounts table: a scope narrowed to some accounts sees only those rows."""

    id: Any
    parent_id: Any
    mapped: ClassVar[list[type[Any]]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        IsAccount.mapped.append(cls)


def scope_of(session: Session) -> Scope:
    scope = session.info.get(SCOPE_KEY)
    if scope is None:
        raise TenancyError("database session used without a scope")
    assert isinstance(scope, Scope)
    return scope


def bind_scope(session: Session, scope: Scope) -> None:
    session.info[SCOPE_KEY] = scope


def _scope_statement(state: ORMExecuteState) -> None:
    scope = scope_of(state.session)
    if scope.system:
        return
    tenant_id = scope.tenant_id
    if state.is_insert:
        _check_insert_rows(state, scope)
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria added to the parent query already travel with these loads
    if state.is_select or state.is_update or state.is_delete:
        assert tenant_id is not None
        state.statement = state.statement.options(*_criteria(tenant_id))
        if scope.accounts is not None:
            state.statement = state.statement.options(*_account_criteria(scope.accounts))


@functools.lru_cache(maxsize=4096)
def _criteria(tenant_id: uuid.UUID) -> tuple[Any, ...]:
    """The loader criteria of one tenant, built once: building them for every query (a lambda, annotated
    columns) left reference cycles behind that kept the garbage collector busy on the hot path."""
    return (
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True),
        *(with_loader_criteria(tenant_cls, tenant_cls.id == tenant_id) for tenant_cls in IsTenant.mapped),
    )


@functools.lru_cache(maxsize=4096)
def _account_criteria(accounts: frozenset[uuid.UUID]) -> tuple[Any, ...]:
    ids = sorted(accounts)
    return (
        with_loader_criteria(AccountScoped, lambda cls: cls.account_id.in_(ids), include_aliases=True),
        *(with_loader_criteria(account_cls, account_cls.id.in_(ids)) for account_cls in IsAccount.mapped),
    )


def _outside(scope: Scope, obj: object) -> bool:
    """Whether a row lies outside the accounts of a narrowed scope."""
    if scope.accounts is None:
        return False
    if isinstance(obj, AccountScoped):
        return obj.account_id not in scope.accounts
    if isinstance(obj, IsAccount):
        return obj.id not in scope.accounts and obj.parent_id not in scope.accounts
    return False


def _check_insert_rows(state: ORMExecuteState, scope: Scope) -> None:
    tenant_id = scope.tenant_id
    mapper = state.bind_mapper
    if mapper is None or not issubclass(mapper.class_, TenantScoped):
        if mapper is not None and issubclass(mapper.class_, IsTenant):
            raise TenancyError("a tenant scope cannot create tenants")
        return
    # The rows are the caller's dicts: filling in tenant_id here fills it in for the INSERT.
    params: Any = state.parameters
    rows: list[dict[str, Any]] = params if isinstance(params, list) else [params] if params else []
    accounts = scope.accounts
    for row in rows:
        if row.get("tenant_id", tenant_id) != tenant_id:
            raise TenancyError("insert of a row that belongs to another tenant refused")
        if accounts is not None and issubclass(mapper.class_, AccountScoped) and row.get("account_id") not in accounts:
            raise TenancyError("insert of a row that belongs to another account refused")
        row.setdefault("tenant_id", tenant_id)


def stamp_rows(scope: Scope, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Rows written past the ORM (batched inserts) pass the same check: the scope's tenant, or refused."""
    if "tenant_id" not in table.c:
        raise TenancyError(f"{table.name} is not a tenant table")
    if scope.system:
        if any(row.get("tenant_id") is None for row in rows):
            raise TenancyError(f"{table.name} row without a tenant")
        return
    for row in rows:
        if row.setdefault("tenant_id", scope.tenant_id) != scope.tenant_id:
            raise TenancyError("insert of a row that belongs to another tenant refused")
    if scope.accounts is not None and any(row.get("account_id") not in scope.accounts for row in rows):
        raise TenancyError("a row of another account refused")


def _check_flush(session: Session, _ctx: UOWTransaction, _instances: object) -> None:
    scope = scope_of(session)
    for obj in session.new:
        if isinstance(obj, TenantScoped):
            if obj.tenant_id is None:
                if scope.system:
                    raise TenancyError(f"{type(obj).__name__} created without a tenant")
                obj.tenant_id = scope.tenant_id
            elif not scope.system and obj.tenant_id != scope.tenant_id:
                raise TenancyError(f"{type(obj).__name__} of another tenant refused")
        if _outside(scope, obj):
            raise TenancyError(f"{type(obj).__name__} of another account refused")
        if isinstance(obj, IsTenant) and not scope.system:
            raise TenancyError("a tenant scope cannot create tenants")
    for obj in session.dirty:
        if isinstance(obj, TenantScoped):
            history = get_history(obj, "tenant_id")  # unlike inspect(obj).attrs, builds no cyclic state
            if history.has_changes() and history.deleted:
                raise TenancyError("a row's tenant cannot change")
            if not scope.system and obj.tenant_id != scope.tenant_id:
                raise TenancyError(f"{type(obj).__name__} of another tenant refused")
        if _outside(scope, obj):
            raise TenancyError(f"{type(obj).__name__} of another account refused")
    for obj in session.deleted:
        if isinstance(obj, TenantScoped) and not scope.system and obj.tenant_id != scope.tenant_id:
            raise TenancyError(f"{type(obj).__name__} of another tenant refused")
        if _outside(scope, obj):
            raise TenancyError(f"{type(obj).__name__} of another account refused")


_installed = False


def install_gate() -> None:
    """Hook the gate into every ORM session; called once by `Database`."""
    global _installed
    if _installed:
        return
    event.listen(Session, "do_orm_execute", _scope_statement)
    event.listen(Session, "before_flush", _check_flush)
    _installed = True
