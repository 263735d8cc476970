"""Accounts, users with roles, and their credentials for tests, written straight through the domain's
models and login sessions (the flows that create them through the API have their own tests)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from chargeplane.db import Scope
from chargeplane.domain.identity.logins import start_login_session
from chargeplane.domain.identity.models import Membership, User
from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.tenancy.models import Account
from chargeplane.domain.tenancy.service import issue_api_key
from tests.support.server import RunningApp


async def make_account(running: RunningApp, tenant_id: uuid.UUID, *, name: str = "Account",
                       parent_id: uuid.UUID | None = None, kind: str = "standard",
                       relation: str | None = None) -> uuid.UUID:
    def unit(uow: Any) -> uuid.UUID:
        account = Account(name=name, kind=kind, parent_id=parent_id,
                          relation=relation or ("subsidiary" if parent_id else None))
        uow.session.add(account)
        uow.session.flush()
        return account.id

    return await running.arun(running.app.db.write(Scope.tenant(tenant_id), unit))


@dataclass
class Person:
    user_id: uuid.UUID
    email: str
    token: str  # a driver-app bearer token
    api: httpx.AsyncClient


async def make_user(running: RunningApp, tenant_id: uuid.UUID, *,
                    roles: list[tuple[Role, uuid.UUID | None]], email: str | None = None,
                    password: str | None = None) -> Person:
    """An active, verified user with these memberships and a bearer token; close `api` when done."""
    email = email or f"u-{uuid.uuid4().hex[:10]}@example.test"
    hashing = running.app.hashing
    now = running.app.clock.now()

    def unit(uow: Any) -> tuple[uuid.UUID, str]:
        user = User(email=email, email_key=email.lower(), status="active", email_verified_at=now,
                    password_hash=hashing.hash(password) if password else None)
        uow.session.add(user)
        uow.session.flush()
        for role, account_id in roles:
            uow.session.add(Membership(user_id=user.id, role=role.value, account_id=account_id))
        issued = start_login_session(uow, user=user, kind="bearer", now=now)
        return user.id, issued.secret

    user_id, token = await running.arun(running.app.db.write(Scope.tenant(tenant_id), unit))
    api = httpx.AsyncClient(base_url=running.http_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return Person(user_id, email, token, api)


async def make_api_key(running: RunningApp, tenant_id: uuid.UUID, *, role: Role = Role.TENANT_ADMIN,
                       account_id: uuid.UUID | None = None) -> str:
    def unit(uow: Any) -> str:
        return issue_api_key(uow, tenant_id=tenant_id, name="test key", role=role, account_id=account_id).secret

    return await running.arun(running.app.db.write(Scope.tenant(tenant_id), unit))
