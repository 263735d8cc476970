"""My cards in the app: add a physical card by uid, create a virtual one, relabel, block."""

from __future__ import annotations

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import API, World, card
from tests.support.people import make_user
from tests.support.tenants import TenantHandle


async def test_my_cards(world: World, other_tenant: TenantHandle) -> None:
    home = await world.account("Home")
    work = await world.account("Work")
    driver = await world.person((Role.DRIVER, home))
    busy = await world.person((Role.DRIVER, home), (Role.ACCOUNT_MEMBER, work))
    await card(world.tenant.api, uid="TAKEN-1", account_id=str(work))

    added = await driver.api.post(f"{API}/me/cards", json={"uid": "04C0FFEE", "label": "Blue tag"})
    assert added.status_code == 201, added.text
    physical = added.json()
    assert (physical["kind"], physical["uid"], physical["status"], physical["label"]) == (
        "physical", "04C0FFEE", "accepted", "Blue tag")
    virtual = (await driver.api.post(f"{API}/me/cards", json={"kind": "virtual", "label": "Phone"})).json()
    assert virtual["kind"] == "virtual" and len(virtual["uid"]) == 20
    as_operator = (await world.tenant.api.get(f"{API}/id-tokens/{physical['id']}")).json()
    assert (as_operator["user_id"], as_operator["account_id"]) == (str(driver.user_id), str(home))

    taken = await driver.api.post(f"{API}/me/cards", json={"uid": "taken-1"})
    assert taken.status_code == 409 and taken.json()["field"] == "uid"
    assert (await driver.api.post(f"{API}/me/cards", json={"uid": "04c0ffee"})).status_code == 409
    assert (await driver.api.post(f"{API}/me/cards", json={})).status_code == 422
    assert (await driver.api.post(f"{API}/me/cards", json={"kind": "virtual", "uid": "X"})).status_code == 422
    not_mine = await driver.api.post(f"{API}/me/cards", json={"uid": "W-1", "account_id": str(work)})
    assert not_mine.status_code == 422 and not_mine.json()["field"] == "account_id"
    smuggled = await driver.api.post(f"{API}/me/cards", json={"uid": "W-2", "user_id": str(busy.user_id)})
    assert smuggled.status_code == 422

    # With two accounts, a card goes where it is told (or to neither).
    at_work = (await busy.api.post(f"{API}/me/cards", json={"uid": "W-3", "account_id": str(work)})).json()
    unplaced = (await busy.api.post(f"{API}/me/cards", json={"uid": "W-4"})).json()
    accounts = {c["uid"]: c["account_id"] for c in (await world.tenant.api.get(f"{API}/id-tokens")).json()["items"]}
    assert (accounts[at_work["uid"]], accounts[unplaced["uid"]]) == (str(work), None)

    mine = (await driver.api.get(f"{API}/me/cards")).json()
    assert [c["id"] for c in mine] == [physical["id"], virtual["id"]]
    relabelled = await driver.api.patch(f"{API}/me/cards/{physical['id']}", json={"label": "Lost one"})
    assert relabelled.json()["label"] == "Lost one"
    blocked = await driver.api.patch(f"{API}/me/cards/{physical['id']}", json={"status": "blocked"})
    assert blocked.json()["status"] == "blocked"
    for change in ({"status": "accepted"}, {"uid": "NEW"}, {"user_id": None}, {"restricted": True}):
        response = await driver.api.patch(f"{API}/me/cards/{physical['id']}", json=change)
        assert response.status_code == 422, change
    assert (await busy.api.patch(f"{API}/me/cards/{physical['id']}", json={"label": "mine"})).status_code == 404
    assert (await world.tenant.api.get(f"{API}/id-tokens/{physical['id']}")).json()["status"] == "blocked"
    assert [e.action for e in await world.audit(physical["id"])] == [
        "id_token.create", "id_token.update", "id_token.update"]

    # Another tenant's driver adds the same uid: it is their own card.
    stranger = await make_user(world.app, other_tenant.id, roles=[])
    try:
        assert (await stranger.api.post(f"{API}/me/cards", json={"uid": "04C0FFEE"})).status_code == 201
        assert [c["uid"] for c in (await stranger.api.get(f"{API}/me/cards")).json()] == ["04C0FFEE"]
    finally:
        await stranger.api.aclose()
    assert len((await driver.api.get(f"{API}/me/cards")).json()) == 2
