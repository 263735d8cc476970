"""Every role, resource and action against a table written out here, independently of `GRANTS`; then, for
a representative route of each (resource, action), the HTTP answer a user of each role gets."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from chargeplane.domain.identity.permissions import Action, Resource, Role, allows, assignable_roles
from tests.organisation.conftest import World
from tests.support.chargers import register_charger

# R read, C create, U update, D delete, X command; "-" nothing.
EXPECTED_TABLE = """
resource        tenant_admin  customer_support  account_admin  account_member  driver
tenant          RU            R                 R              R               -
account         RCUD          RU                RCU            R               -
user            RCUD          RU                RU             R               -
membership      RCUD          R                 RCUD           R               -
invitation      RCUD          RCD               RCUD           -               -
site            RCUD          RU                RCUD           R               -
charge_point    RCUDX         RUX               RCUDX          RX              -
id_token        RCUD          RCU               RCUD           R               -
customer_group  RCUD          R                 RCUD           R               -
access_grant    RCUD          RCD               RCUD           R               -
tariff          RCUD          R                 RCUD           R               -
session         R             R                 R              R               -
cdr             RC            RC                R              R               -
api_key         RCUD          -                 RCUD           -               -
audit_log       R             -                 -              -               -
outbox          R             -                 -              -               -
report          R             R                 R              R               -
invoice         RCUD          R                 RCUD           R               -
"""
LETTERS = {"R": Action.READ, "C": Action.CREATE, "U": Action.UPDATE, "D": Action.DELETE, "X": Action.COMMAND}


def _expected() -> dict[tuple[Role, Resource], frozenset[Action]]:
    lines = [line.split() for line in EXPECTED_TABLE.strip().splitlines()]
    roles = [Role(name) for name in lines[0][1:]]
    table = {}
    for resource, *cells in lines[1:]:
        for role, cell in zip(roles, cells, strict=True):
            table[(role, Resource(resource))] = frozenset(LETTERS[c] for c in cell if c != "-")
    return table


def test_every_role_resource_and_action_is_as_the_table_says() -> None:
    expected = _expected()
    assert {resource for _, resource in expected} == set(Resource), "the table must cover every resource"
    for role in Role:
        for resource in Resource:
            for action in Action:
                want = action in expected[(role, resource)]
                assert allows(frozenset({role}), resource, action) is want, (role, resource, action)


def test_roles_combine_and_hand_out_no_more_than_they_hold() -> None:
    both = frozenset({Role.CUSTOMER_SUPPORT, Role.ACCOUNT_ADMIN})
    assert allows(both, Resource.API_KEY, Action.CREATE) and allows(both, Resource.CHARGE_POINT, Action.COMMAND)
    assert not allows(both, Resource.AUDIT_LOG, Action.READ) and not allows(frozenset(), Resource.TENANT, Action.READ)
    assert assignable_roles(frozenset({Role.TENANT_ADMIN})) == frozenset(Role)
    account_roles = frozenset({Role.ACCOUNT_ADMIN, Role.ACCOUNT_MEMBER, Role.DRIVER})
    assert assignable_roles(frozenset({Role.ACCOUNT_ADMIN})) == account_roles
    for role in (Role.CUSTOMER_SUPPORT, Role.ACCOUNT_MEMBER, Role.DRIVER):
        assert assignable_roles(frozenset({role})) == frozenset()
    assert assignable_roles(frozenset()) == frozenset()


Call = Callable[[World, httpx.AsyncClient], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Case:
    resource: Resource
    action: Action
    call: Call
    allowed: int | None  # the status when allowed; None: anything but 403 and 5xx (routes of other areas)


def _fresh() -> str:
    return f"M-{uuid.uuid4().hex[:10]}"


async def _fresh_member(world: World) -> str:
    person = await world.person([(Role.ACCOUNT_MEMBER, world.x)])
    return str(person.user_id)


async def _x_site(world: World) -> str:
    site = await world.tenant.api.post("/api/v1/sites", json={"name": "X site", "account_id": str(world.x)})
    return str(site.json()["id"])


async def _x_charger(world: World) -> str:
    return str((await register_charger(world.tenant.api, account_id=str(world.x)))["id"])


async def _delete_account(w: World, c: httpx.AsyncClient) -> httpx.Response:
    child = await w.account("Leaf", parent_id=w.x, relation="employee")
    return await c.delete(f"/api/v1/accounts/{child}")


async def _grant(w: World, c: httpx.AsyncClient) -> httpx.Response:
    target = await _fresh_member(w)
    return await c.post(f"/api/v1/users/{target}/memberships", json={"role": "account_member",
                                                                      "account_id": str(w.x1)})


async def _revoke_membership(w: World, c: httpx.AsyncClient) -> httpx.Response:
    target = await _fresh_member(w)
    membership = (await w.tenant.api.get(f"/api/v1/users/{target}/memberships")).json()[0]
    return await c.delete(f"/api/v1/users/{target}/memberships/{membership['id']}")


async def _patch_user(w: World, c: httpx.AsyncClient) -> httpx.Response:
    return await c.patch(f"/api/v1/users/{await _fresh_member(w)}", json={"name": "New name"})


async def _update_site(w: World, c: httpx.AsyncClient) -> httpx.Response:
    return await c.patch(f"/api/v1/sites/{await _x_site(w)}", json={"name": "Renamed"})


async def _delete_site(w: World, c: httpx.AsyncClient) -> httpx.Response:
    return await c.delete(f"/api/v1/sites/{await _x_site(w)}")


async def _update_charger(w: World, c: httpx.AsyncClient) -> httpx.Response:
    return await c.patch(f"/api/v1/charge-points/{await _x_charger(w)}", json={"name": "Renamed"})


async def _delete_charger(w: World, c: httpx.AsyncClient) -> httpx.Response:
    return await c.delete(f"/api/v1/charge-points/{await _x_charger(w)}")


async def _command(w: World, c: httpx.AsyncClient) -> httpx.Response:
    return await c.post(f"/api/v1/charge-points/{await _x_charger(w)}/commands/reset", json={"type": "Soft"},
                        params={"timeout": 1})


async def _revoke_key(w: World, c: httpx.AsyncClient) -> httpx.Response:
    key = await w.tenant.api.post("/api/v1/api-keys", json={"name": "k", "role": "account_member",
                                                            "account_id": str(w.x)})
    return await c.delete(f"/api/v1/api-keys/{key.json()['id']}")


R, C, U, D, X = Action.READ, Action.CREATE, Action.UPDATE, Action.DELETE, Action.COMMAND
NOWHERE = "00000000-0000-4000-8000-000000000000"
CASES = [
    Case(Resource.TENANT, R, lambda w, c: c.get("/api/v1/tenant"), 200),
    Case(Resource.TENANT, U, lambda w, c: c.patch("/api/v1/tenant", json={"display_name": "M"}), 200),
    Case(Resource.ACCOUNT, R, lambda w, c: c.get(f"/api/v1/accounts/{w.x}"), 200),
    Case(Resource.ACCOUNT, C, lambda w, c: c.post("/api/v1/accounts", json={
        "name": "Sub", "parent_id": str(w.x), "relation": "employee"}), 201),
    Case(Resource.ACCOUNT, U, lambda w, c: c.patch(f"/api/v1/accounts/{w.x1}", json={"name": "X1"}), 200),
    Case(Resource.ACCOUNT, D, _delete_account, 204),
    Case(Resource.USER, R, lambda w, c: c.get(f"/api/v1/users/{w.people['x_member'].user_id}"), 200),
    Case(Resource.USER, U, _patch_user, 200),
    Case(Resource.MEMBERSHIP, R, lambda w, c: c.get(f"/api/v1/users/{w.people['x_member'].user_id}/memberships"),
         200),
    Case(Resource.MEMBERSHIP, C, _grant, 201),
    Case(Resource.MEMBERSHIP, D, _revoke_membership, 204),
    Case(Resource.INVITATION, R, lambda w, c: c.get("/api/v1/invitations"), None),
    Case(Resource.INVITATION, C, lambda w, c: c.post("/api/v1/invitations", json={}), None),
    Case(Resource.INVITATION, D, lambda w, c: c.delete(f"/api/v1/invitations/{NOWHERE}"), None),
    Case(Resource.SITE, R, lambda w, c: c.get("/api/v1/sites"), 200),
    Case(Resource.SITE, C, lambda w, c: c.post("/api/v1/sites", json={"name": "S", "account_id": str(w.x)}), 201),
    Case(Resource.SITE, U, _update_site, 200),
    Case(Resource.SITE, D, _delete_site, 204),
    Case(Resource.CHARGE_POINT, R, lambda w, c: c.get("/api/v1/charge-points"), 200),
    Case(Resource.CHARGE_POINT, C, lambda w, c: c.post("/api/v1/charge-points", json={
        "identity": _fresh(), "account_id": str(w.x)}), 201),
    Case(Resource.CHARGE_POINT, U, _update_charger, 200),
    Case(Resource.CHARGE_POINT, D, _delete_charger, 204),
    Case(Resource.CHARGE_POINT, X, _command, 409),  # allowed, but the charger is offline
    Case(Resource.ID_TOKEN, R, lambda w, c: c.get("/api/v1/id-tokens"), None),
    Case(Resource.ID_TOKEN, C, lambda w, c: c.post("/api/v1/id-tokens", json={"uid": "!"}), None),
    Case(Resource.ID_TOKEN, U, lambda w, c: c.patch(f"/api/v1/id-tokens/{NOWHERE}", json={}), None),
    Case(Resource.ID_TOKEN, D, lambda w, c: c.delete(f"/api/v1/id-tokens/{NOWHERE}"), None),
    Case(Resource.CUSTOMER_GROUP, R, lambda w, c: c.get("/api/v1/customer-groups"), None),
    Case(Resource.CUSTOMER_GROUP, C, lambda w, c: c.post("/api/v1/customer-groups", json={}), None),
    Case(Resource.CUSTOMER_GROUP, U, lambda w, c: c.patch(f"/api/v1/customer-groups/{NOWHERE}", json={}), None),
    Case(Resource.CUSTOMER_GROUP, D, lambda w, c: c.delete(f"/api/v1/customer-groups/{NOWHERE}"), None),
    Case(Resource.ACCESS_GRANT, R, lambda w, c: c.get("/api/v1/access-grants"), None),
    Case(Resource.ACCESS_GRANT, C, lambda w, c: c.post("/api/v1/access-grants", json={}), None),
    Case(Resource.ACCESS_GRANT, D, lambda w, c: c.delete(f"/api/v1/access-grants/{NOWHERE}"), None),
    Case(Resource.TARIFF, R, lambda w, c: c.get("/api/v1/tariffs"), 200),
    Case(Resource.TARIFF, C, lambda w, c: c.post("/api/v1/tariffs", json={}), None),
    Case(Resource.TARIFF, U, lambda w, c: c.patch(f"/api/v1/tariffs/{NOWHERE}", json={}), None),
    Case(Resource.TARIFF, D, lambda w, c: c.delete(f"/api/v1/tariffs/{NOWHERE}"), None),
    Case(Resource.SESSION, R, lambda w, c: c.get("/api/v1/sessions"), 200),
    Case(Resource.CDR, R, lambda w, c: c.get("/api/v1/cdrs"), 200),
    Case(Resource.CDR, C, lambda w, c: c.post(f"/api/v1/cdrs/{NOWHERE}/corrections", json={"reason": "r"}), None),
    Case(Resource.API_KEY, R, lambda w, c: c.get("/api/v1/api-keys"), 200),
    Case(Resource.API_KEY, C, lambda w, c: c.post("/api/v1/api-keys", json={
        "name": "k", "role": "account_member", "account_id": str(w.x)}), 201),
    Case(Resource.API_KEY, D, _revoke_key, 204),
    Case(Resource.AUDIT_LOG, R, lambda w, c: c.get("/api/v1/audit-log"), 200),
    Case(Resource.OUTBOX, R, lambda w, c: c.get("/api/v1/outbox"), None),
    Case(Resource.REPORT, R, lambda w, c: c.get("/api/v1/reports/usage", params={
        "date_from": "2025-01-01", "date_to": "2025-01-31"}), 200),
    Case(Resource.INVOICE, R, lambda w, c: c.get("/api/v1/invoices"), 200),
    Case(Resource.INVOICE, C, lambda w, c: c.post("/api/v1/invoices", json={}), None),
    Case(Resource.INVOICE, U, lambda w, c: c.post(f"/api/v1/invoices/{NOWHERE}/issue"), None),
    Case(Resource.INVOICE, D, lambda w, c: c.delete(f"/api/v1/invoices/{NOWHERE}"), None),
]

# Resource and action pairs without a route of their own: users are created by sign-up and invitations
# and never deleted through the API; memberships are granted and taken away, not edited; invitations
# are resent rather than edited; a grant is replaced rather than changed; a key is revoked, not edited.
WITHOUT_ROUTE = {(Resource.USER, C), (Resource.USER, D), (Resource.MEMBERSHIP, U), (Resource.INVITATION, U),
                 (Resource.ACCESS_GRANT, U), (Resource.API_KEY, U)}
# The people of `World` by role; account roles hold them in account X.
PERSON = {Role.TENANT_ADMIN: "tenant_admin", Role.CUSTOMER_SUPPORT: "support", Role.ACCOUNT_ADMIN: "x_admin",
          Role.ACCOUNT_MEMBER: "x_member", Role.DRIVER: "x_driver"}


def test_the_cases_cover_every_granted_pair() -> None:
    covered = {(case.resource, case.action) for case in CASES}
    granted = {(resource, action) for (_, resource), actions in _expected().items() for action in actions}
    assert granted <= covered | WITHOUT_ROUTE
    assert not covered & WITHOUT_ROUTE


@pytest.mark.parametrize("role", list(Role), ids=str)
async def test_each_role_gets_the_answer_the_table_promises(world: World, role: Role) -> None:
    expected = _expected()
    client = world.api(PERSON[role])
    wrong = []
    for case in CASES:
        response = await case.call(world, client)
        may = case.action in expected[(role, case.resource)]
        if not may:
            ok = response.status_code == 403
        elif case.allowed is None:
            ok = response.status_code not in (401, 403) and response.status_code < 500
        else:
            ok = response.status_code == case.allowed
        if not ok:
            wrong.append((case.resource.value, case.action.value, response.status_code, response.text[:200]))
    assert not wrong, wrong
