"""Sessions and commands across accounts: an account sees the sessions on its own chargers only, and
commands only its own chargers; the tenant sees all."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import API, World, card
from tests.support.chargers import RawCharger
from tests.support.people import make_api_key


async def _charge(charger: RawCharger, uid: str) -> int:
    reply = await charger.result("StartTransaction", {
        "connectorId": 1, "idTag": uid, "meterStart": 1000, "timestamp": datetime.now(UTC).isoformat()})
    assert reply["idTagInfo"]["status"] == "Accepted"
    transaction_id: int = reply["transactionId"]
    return transaction_id


def _ids(body: dict[str, Any]) -> set[str]:
    return {item["id"] for item in body["items"]}


async def test_an_account_reads_and_commands_only_its_own_chargers_sessions(world: World) -> None:
    x, y = await world.account("X"), await world.account("Y")
    x_cp, y_cp = await world.charge_point(account_id=x), await world.charge_point(account_id=y)
    x_charger, y_charger = await world.connect(x_cp), await world.connect(y_cp)
    await card(world.tenant.api, uid="SCOPE-X")
    await card(world.tenant.api, uid="SCOPE-Y")
    await _charge(x_charger, "SCOPE-X")
    await _charge(y_charger, "SCOPE-Y")

    everything = (await world.tenant.api.get(f"{API}/sessions")).json()
    by_charger = {item["charge_point_id"]: item["id"] for item in everything["items"]}
    assert set(by_charger) == {x_cp["id"], y_cp["id"]}
    x_session, y_session = by_charger[x_cp["id"]], by_charger[y_cp["id"]]

    x_admin = await world.person((Role.ACCOUNT_ADMIN, x))
    x_member = await world.person((Role.ACCOUNT_MEMBER, x))
    for person in (x_admin, x_member):
        listed = await person.api.get(f"{API}/sessions")
        assert listed.status_code == 200 and _ids(listed.json()) == {x_session}
        assert (await person.api.get(f"{API}/sessions/{x_session}")).status_code == 200
        assert (await person.api.get(f"{API}/sessions/{y_session}")).status_code == 404
        filtered = await person.api.get(f"{API}/sessions", params={"charge_point_id": y_cp["id"]})
        assert filtered.status_code == 200 and filtered.json()["items"] == []
        # Commands reach the account's own charger only; Y's charger hears nothing.
        refused = await person.api.post(f"{API}/charge-points/{y_cp['id']}/commands/unlock-connector",
                                        json={"connectorId": 1})
        assert refused.status_code == 404, refused.text
        assert await y_charger.silent_for(0.3)

    key_client = await world.key_client(await make_api_key(world.app, world.tenant.id, role=Role.ACCOUNT_MEMBER,
                                                           account_id=x))
    assert _ids((await key_client.get(f"{API}/sessions")).json()) == {x_session}

