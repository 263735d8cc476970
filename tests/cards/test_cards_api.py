"""Cards through the operator API: physical and virtual, contract ids, holders, places, deletion, audit."""

from __future__ import annotations

import re

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import API, World, card


async def test_physical_card_with_everything(world: World) -> None:
    api = world.tenant.api
    holder = await world.person((Role.DRIVER, await world.account()))
    site = await world.site()
    cp = await world.charge_point(site_id=site)
    created = await card(api, uid="04a1b2c3", contract_id="eecplc123456789", label="Fleet card 7",
                         user_id=str(holder.user_id), restricted=True, site_ids=[str(site)],
                         charge_point_ids=[cp["id"], cp["id"]])
    assert created["kind"] == "physical" and created["uid"] == "04a1b2c3"
    assert created["contract_id"] == "EE-CPL-C12345678-9"  # one stored form
    assert created["user_id"] == str(holder.user_id) and created["account_id"] is None
    assert created["restricted"] is True
    assert created["site_ids"] == [str(site)] and created["charge_point_ids"] == [cp["id"]]

    same_contract = await api.post(f"{API}/id-tokens", json={"uid": "OTHER", "contract_id": "EE-CPL-C12345678-9"})
    assert same_contract.status_code == 409 and same_contract.json()["field"] == "contract_id"
    same_uid = await api.post(f"{API}/id-tokens", json={"uid": "04A1B2C3"})
    assert same_uid.status_code == 409 and same_uid.json()["field"] == "uid"

    patched = await api.patch(f"{API}/id-tokens/{created['id']}",
                              json={"label": "Spare", "restricted": False, "site_ids": [], "contract_id": None})
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert (body["label"], body["restricted"], body["site_ids"], body["charge_point_ids"], body["contract_id"]) == (
        "Spare", False, [], [cp["id"]], None)
    listed = (await api.get(f"{API}/id-tokens", params={"user_id": str(holder.user_id)})).json()["items"]
    assert [c["id"] for c in listed] == [created["id"]]

    actions = [e.action for e in await world.audit(created["id"])]
    assert actions == ["id_token.create", "id_token.update"]
    update = (await world.audit(created["id"]))[1]
    assert update.before is not None and update.after is not None
    assert update.after["label"] == "Spare" and update.before["label"] == "Fleet card 7"
    assert "uid" not in update.after  # only what changed


async def test_virtual_card_gets_an_unguessable_uid(world: World) -> None:
    api = world.tenant.api
    first = await card(api, kind="virtual", label="App")
    second = await card(api, kind="virtual")
    for created in (first, second):
        assert created["kind"] == "virtual"
        assert re.fullmatch(r"V[0-9A-Z]{19}", created["uid"]), created["uid"]
    assert first["uid"] != second["uid"]
    given = await api.post(f"{API}/id-tokens", json={"kind": "virtual", "uid": "MINE"})
    assert given.status_code == 422 and given.json()["field"] == "uid"
    missing = await api.post(f"{API}/id-tokens", json={"kind": "physical"})
    assert missing.status_code == 422 and "uid" in missing.json()["detail"]


async def test_bad_input_is_a_clear_422(world: World) -> None:
    api = world.tenant.api
    other_tenant_user = "00000000-0000-4000-8000-000000000000"
    bad = [
        ({"uid": "A1", "contract_id": "not-a-contract"}, "contract_id"),
        ({"uid": "A1", "contract_id": "EE-CPL-C1234"}, "contract_id"),
        ({"uid": "A1", "kind": "plastic"}, None),
        ({"uid": "A1", "user_id": other_tenant_user}, "user_id"),
        ({"uid": "A1", "account_id": other_tenant_user}, "account_id"),
        ({"uid": "A1", "site_ids": [other_tenant_user]}, "site_ids"),
        ({"uid": "A1", "tenant_id": other_tenant_user}, None),
    ]
    for body, field in bad:
        response = await api.post(f"{API}/id-tokens", json=body)
        assert response.status_code == 422, (body, response.text)
        if field:
            assert response.json()["field"] == field, body
    created = await card(api, uid="A1")
    for change in ({"uid": "B1"}, {"kind": "virtual"}, {"tenant_id": other_tenant_user}, {"account_id": None},
                   {"status": None}, {"restricted": None}):
        response = await api.patch(f"{API}/id-tokens/{created['id']}", json=change)
        assert response.status_code == 422, (change, response.text)


async def test_a_card_linked_to_a_user_is_unlinked_or_blocked_never_deleted(world: World) -> None:
    api = world.tenant.api
    holder = await world.person((Role.DRIVER, await world.account()))
    created = await card(api, uid="LINKED", user_id=str(holder.user_id))
    refused = await api.delete(f"{API}/id-tokens/{created['id']}")
    assert refused.status_code == 409
    assert "unlink" in refused.json()["detail"] and "block" in refused.json()["detail"]
    blocked = await api.patch(f"{API}/id-tokens/{created['id']}", json={"status": "blocked"})
    assert blocked.json()["status"] == "blocked"
    assert (await api.delete(f"{API}/id-tokens/{created['id']}")).status_code == 409
    unlinked = await api.patch(f"{API}/id-tokens/{created['id']}", json={"user_id": None})
    assert unlinked.json()["user_id"] is None
    assert (await api.delete(f"{API}/id-tokens/{created['id']}")).status_code == 204
    assert (await api.get(f"{API}/id-tokens/{created['id']}")).status_code == 404
    assert [e.action for e in await world.audit(created["id"])][-1] == "id_token.delete"


async def test_account_admin_manages_the_cards_of_their_accounts_only(world: World) -> None:
    x = await world.account("X")
    x_sub = await world.account("X employee", parent_id=x)
    y = await world.account("Y")
    admin = await world.person((Role.ACCOUNT_ADMIN, x))
    x_driver = await world.person((Role.DRIVER, x_sub))
    y_driver = await world.person((Role.DRIVER, y))
    y_card = await card(world.tenant.api, uid="Y-CARD", account_id=str(y))
    tenant_card = await card(world.tenant.api, uid="TENANT-CARD")

    # Their own account by default; a sub-account when named; never the tenant's nor another account.
    mine = await card(admin.api, uid="X-CARD")
    assert mine["account_id"] == str(x)
    sub = await card(admin.api, uid="X-SUB-CARD", account_id=str(x_sub), user_id=str(x_driver.user_id))
    assert sub["account_id"] == str(x_sub)
    elsewhere = await admin.api.post(f"{API}/id-tokens", json={"uid": "X-IN-Y", "account_id": str(y)})
    assert elsewhere.status_code == 422 and elsewhere.json()["field"] == "account_id"
    stranger = await admin.api.post(f"{API}/id-tokens", json={"uid": "X-2", "user_id": str(y_driver.user_id)})
    assert stranger.status_code == 422 and stranger.json()["field"] == "user_id"
    # A uid another account already has is still taken (unique in the tenant), without revealing whose.
    taken = await admin.api.post(f"{API}/id-tokens", json={"uid": "y-card"})
    assert taken.status_code == 409

    listed = {c["uid"] for c in (await admin.api.get(f"{API}/id-tokens")).json()["items"]}
    assert listed == {"X-CARD", "X-SUB-CARD"}
    for other in (y_card, tenant_card):
        assert (await admin.api.get(f"{API}/id-tokens/{other['id']}")).status_code == 404
        assert (await admin.api.patch(f"{API}/id-tokens/{other['id']}", json={"status": "blocked"})).status_code == 404
        assert (await admin.api.delete(f"{API}/id-tokens/{other['id']}")).status_code == 404
    assert (await world.tenant.api.get(f"{API}/id-tokens/{y_card['id']}")).json()["status"] == "accepted"

    # A member reads, a driver has no operator access to cards at all.
    member = await world.person((Role.ACCOUNT_MEMBER, x))
    assert (await member.api.get(f"{API}/id-tokens/{mine['id']}")).status_code == 200
    assert (await member.api.post(f"{API}/id-tokens", json={"uid": "M-1"})).status_code == 403
    assert (await x_driver.api.get(f"{API}/id-tokens")).status_code == 403
