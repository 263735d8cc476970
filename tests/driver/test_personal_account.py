"""POST /api/v1/me/personal-account: a driver opens their own account (to register their charger in),
once; asking again answers the same account."""

from __future__ import annotations

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import API, World


async def test_open_my_personal_account_once(world: World) -> None:
    driver = await world.person((Role.DRIVER, None))
    first = await driver.api.post(f"{API}/me/personal-account")
    assert first.status_code == 201, first.text
    account = first.json()
    assert (account["kind"], account["name"], account["parent_id"]) == ("consumer", driver.email, None)
    assert first.headers["Location"] == f"/api/v1/accounts/{account['id']}"
    again = await driver.api.post(f"{API}/me/personal-account")
    assert again.status_code == 200 and again.json()["id"] == account["id"]

    me = (await driver.api.get(f"{API}/auth/me")).json()
    assert sorted((m["role"], m["account_id"]) for m in me["memberships"]) == [
        ("account_admin", account["id"]), ("driver", None)]
    # As the account's admin they now read it through the operators' API.
    assert (await driver.api.get(f"{API}/accounts/{account['id']}")).json()["name"] == driver.email
    entries = [e for e in await world.audit(account["id"]) if e.action == "account.create"]
    assert len(entries) == 1 and entries[0].actor_id == driver.user_id

    key_client = await world.key_client(world.tenant.api_key)
    refused = await key_client.post(f"{API}/me/personal-account")
    assert refused.status_code == 403  # for people, not API keys
