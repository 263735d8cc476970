"""What real chargers are told about cards: restrictions, virtual cards, disabled holders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import API, World, authorize, card, start_from_app
from tests.ocpp.helpers import start, stop
from tests.support.chargers import iso


async def test_restricted_card_works_only_at_its_places(world: World) -> None:
    depot = await world.site("Depot")
    at_depot = await world.connect(await world.charge_point(site_id=depot))
    listed = await world.connect(await world.charge_point())
    elsewhere = await world.connect(await world.charge_point())
    await card(world.tenant.api, uid="restricted-1", restricted=True, site_ids=[str(depot)],
               charge_point_ids=[listed.cp_id])
    await card(world.tenant.api, uid="FREE-1")

    assert await authorize(at_depot, "RESTRICTED-1") == "Accepted"  # by its site; uid without regard to case
    assert await authorize(listed, "restricted-1") == "Accepted"  # by the charge point itself
    assert await authorize(elsewhere, "restricted-1") == "Invalid"
    assert await authorize(elsewhere, "FREE-1") == "Accepted"
    refused = await start(elsewhere, id_tag="restricted-1")
    assert refused["idTagInfo"]["status"] == "Invalid"
    accepted = await start(at_depot, id_tag="restricted-1")
    assert accepted["idTagInfo"]["status"] == "Accepted"

    # Lifting the restriction is answered at once.
    token = (await world.tenant.api.get(f"{API}/id-tokens", params={"uid": "restricted-1"})).json()["items"][0]
    await world.tenant.api.patch(f"{API}/id-tokens/{token['id']}", json={"restricted": False})
    assert await authorize(elsewhere, "restricted-1") == "Accepted"


async def test_a_card_of_a_disabled_user_is_blocked(world: World) -> None:
    holder = await world.person((Role.DRIVER, await world.account()))
    await card(world.tenant.api, uid="HELD-1", user_id=str(holder.user_id))
    charger = await world.connect(await world.charge_point())
    assert await authorize(charger, "HELD-1") == "Accepted"
    await world.disable(holder.user_id)
    assert await authorize(charger, "HELD-1") == "Blocked"
    assert (await start(charger, id_tag="HELD-1"))["idTagInfo"]["status"] == "Blocked"


async def test_virtual_card_is_refused_at_a_charger_until_its_holder_starts_from_the_app(world: World) -> None:
    account = await world.account()
    driver = await world.person((Role.DRIVER, account))
    cp = await world.charge_point(account_id=account)
    other_cp = await world.charge_point(account_id=account)
    charger = await world.connect(cp)
    other = await world.connect(other_cp)
    virtual = (await driver.api.post(f"{API}/me/cards", json={"kind": "virtual"})).json()
    uid = virtual["uid"]

    assert await authorize(charger, uid) == "Invalid"
    assert (await start(charger, id_tag=uid, connector=2))["idTagInfo"]["status"] == "Invalid"

    # The app's start: the charger is told to start with the virtual card...
    payload, answer = await start_from_app(driver, charger, {"connector_id": 1})
    assert payload == {"idTag": uid, "connectorId": 1}
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "Accepted" and answer.json()["card_id"] == virtual["id"]

    # ...and then accepts it there (not at another charger), once.
    assert await authorize(other, uid) == "Invalid"
    assert await authorize(charger, uid) == "Accepted"
    begun = datetime.now(UTC)
    started = await start(charger, id_tag=uid, connector=1, timestamp=iso(begun))
    assert started["idTagInfo"]["status"] == "Accepted"
    # A re-sent StartTransaction gets the same answer though the remote start is used up.
    again = await start(charger, id_tag=uid, connector=1, timestamp=iso(begun))
    assert again == started
    await stop(charger, transaction_id=started["transactionId"], meter_stop=1000)
    assert await authorize(charger, uid) == "Invalid"
    assert (await start(charger, id_tag=uid, connector=1))["idTagInfo"]["status"] == "Invalid"


async def test_a_remote_start_window_closes(world: World) -> None:
    account = await world.account()
    driver = await world.person((Role.DRIVER, account))
    cp = await world.charge_point(account_id=account)
    charger = await world.connect(cp)
    virtual = (await driver.api.post(f"{API}/me/cards", json={"kind": "virtual"})).json()
    payload, answer = await start_from_app(driver, charger)
    assert payload == {"idTag": virtual["uid"]} and answer.status_code == 200
    # A start the charger says happened long after the driver asked is not the one they asked for.
    late = datetime.now(UTC) + timedelta(minutes=30)
    assert (await start(charger, id_tag=virtual["uid"], timestamp=iso(late)))["idTagInfo"]["status"] == "Invalid"
