"""Which chargers a driver sees in the app, and why: own, shared, community, public; nothing else."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from chargeplane.db import UnitOfWork
from chargeplane.domain.access.models import AccessGrant
from chargeplane.domain.identity.permissions import Role
from tests.cards.support import API, World
from tests.ocpp.helpers import status_payload


async def test_the_driver_sees_exactly_what_they_may_use(world: World) -> None:
    company = await world.account("Company")
    branch = await world.account("Branch", parent_id=company)
    neighbour = await world.account("Neighbour")
    stranger = await world.account("Stranger")
    driver = await world.person((Role.DRIVER, branch))
    my_card = (await driver.api.post(f"{API}/me/cards", json={"uid": "D-CARD"})).json()
    neighbour_site = await world.site("Neighbour's yard", neighbour)
    cps: dict[str, dict[str, Any]] = {}
    for name, placement in {
        "own": {"account_id": branch},
        "community": {"account_id": company, "community": True},
        "company private": {"account_id": company},
        "neighbour private": {"account_id": neighbour},
        "neighbour community": {"account_id": neighbour, "community": True},
        "shared with me": {"account_id": neighbour},
        "shared by site with my card's group": {"account_id": neighbour, "site_id": neighbour_site},
        "shared until yesterday": {"account_id": neighbour},
        "public": {"account_id": stranger, "public": True},
        "public but pending": {"account_id": stranger, "public": True, "registration_status": "pending"},
        "own but rejected": {"account_id": branch, "registration_status": "rejected"},
    }.items():
        cps[name] = await world.charge_point(name=name, **placement)
    neighbour_admin = await world.person((Role.ACCOUNT_ADMIN, neighbour))
    await neighbour_admin.api.post(f"{API}/access-grants", json={"charge_point_id": cps["shared with me"]["id"],
                                                                 "user_id": str(driver.user_id)})
    group = (await world.tenant.api.post(f"{API}/customer-groups",
                                         json={"name": "Friends", "account_id": str(branch)})).json()
    await world.tenant.api.post(f"{API}/customer-groups/{group['id']}/members", json={"id_token_id": my_card["id"]})
    await world.tenant.api.post(f"{API}/access-grants", json={"site_id": str(neighbour_site),
                                                              "customer_group_id": group["id"]})
    expired = (await neighbour_admin.api.post(f"{API}/access-grants", json={
        "charge_point_id": cps["shared until yesterday"]["id"], "user_id": str(driver.user_id)})).json()
    await _expire(world, uuid.UUID(expired["id"]))

    own = await world.connect(cps["own"])
    await own.result("StatusNotification", status_payload(0, "Available"))
    await own.result("StatusNotification", status_payload(1, "Preparing"))

    seen = {cp["name"]: cp for cp in (await driver.api.get(f"{API}/me/charge-points")).json()["items"]}
    assert {name: cp["visibility"] for name, cp in seen.items()} == {
        "own": "own",
        "community": "community",
        "shared with me": "shared",
        "shared by site with my card's group": "shared",
        "public": "public",
    }
    assert seen["own"]["connected"] is True and seen["public"]["connected"] is False
    assert [(c["connector_id"], c["status"]) for c in seen["own"]["connectors"]] == [(1, "Preparing")]
    by_site = seen["shared by site with my card's group"]
    assert (by_site["site_name"], by_site["address"]) == ("Neighbour's yard", "Neighbour's yard street 1")

    one = await driver.api.get(f"{API}/me/charge-points/{cps['community']['id']}")
    assert one.status_code == 200 and one.json()["visibility"] == "community"
    for hidden in set(cps) - set(seen):
        response = await driver.api.get(f"{API}/me/charge-points/{cps[hidden]['id']}")
        assert response.status_code == 404, hidden
    assert (await driver.api.get(f"{API}/me/charge-points/{uuid.uuid4()}")).status_code == 404

    first = (await driver.api.get(f"{API}/me/charge-points", params={"limit": 3})).json()
    rest = (await driver.api.get(f"{API}/me/charge-points", params={"limit": 3, "cursor": first["next_cursor"]})).json()
    assert {cp["name"] for cp in first["items"] + rest["items"]} == set(seen) and rest["next_cursor"] is None

    # Taking the card out of the group takes the site's chargers away.
    member = (await world.tenant.api.get(f"{API}/customer-groups/{group['id']}/members")).json()[0]
    await world.tenant.api.delete(f"{API}/customer-groups/{group['id']}/members/{member['id']}")
    names = {cp["name"] for cp in (await driver.api.get(f"{API}/me/charge-points")).json()["items"]}
    assert names == set(seen) - {"shared by site with my card's group"}


async def test_a_driver_of_another_tenant_or_an_api_key_sees_nothing_here(world: World) -> None:
    stranger = await world.account("Stranger")
    await world.charge_point(account_id=stranger, public=True)
    plain = await world.person()  # no account: public chargers only
    assert [cp["visibility"] for cp in (await plain.api.get(f"{API}/me/charge-points")).json()["items"]] == ["public"]
    for path in ("/me/charge-points", "/me/cards", "/me/sessions"):
        response = await world.tenant.api.get(API + path)
        assert response.status_code == 403 and "users" in response.json()["detail"], path
    assert (await world.tenant.api.post(f"{API}/me/cards", json={"kind": "virtual"})).status_code == 403


async def _expire(world: World, grant_id: uuid.UUID) -> None:
    def unit(uow: UnitOfWork) -> None:
        grant = uow.session.get(AccessGrant, grant_id)
        assert grant is not None
        grant.valid_until = datetime.now(UTC) - timedelta(days=1)

    await world.write(unit)
