"""Starting and stopping from the app, on real chargers; my sessions with their energy."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import API, World, card, start_from_app
from tests.ocpp.helpers import start, stop
from tests.support.chargers import iso


async def test_start_charge_and_stop_from_the_app(world: World) -> None:
    account = await world.account()
    driver = await world.person((Role.DRIVER, account))
    other_driver = await world.person((Role.DRIVER, account))
    cp = await world.charge_point(account_id=account, name="Home")
    charger = await world.connect(cp)
    physical = (await driver.api.post(f"{API}/me/cards", json={"uid": "MY-RFID", "label": "Key fob"})).json()

    payload, answer = await start_from_app(driver, charger)
    assert payload == {"idTag": "MY-RFID"}  # my first card
    assert answer.status_code == 200 and answer.json()["status"] == "Accepted"
    t0 = datetime.now(UTC).replace(microsecond=0)
    started = await start(charger, id_tag="MY-RFID", meter_start=10_000, timestamp=iso(t0))
    assert started["idTagInfo"]["status"] == "Accepted"
    tx = started["transactionId"]
    await charger.result("MeterValues", {"connectorId": 1, "transactionId": tx, "meterValue": [{
        "timestamp": iso(t0 + timedelta(minutes=5)),
        "sampledValue": [{"value": "10800", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}]})

    sessions = (await driver.api.get(f"{API}/me/sessions")).json()["items"]
    assert len(sessions) == 1
    session = sessions[0]
    assert (session["state"], session["energy_wh"], session["card_id"], session["charge_point_id"]) == (
        "active", 800, physical["id"], cp["id"])
    assert (await other_driver.api.get(f"{API}/me/sessions")).json()["items"] == []
    assert (await other_driver.api.get(f"{API}/me/sessions/{session['id']}")).status_code == 404
    assert (await other_driver.api.post(f"{API}/me/sessions/{session['id']}/stop")).status_code == 404
    assert await charger.silent_for(0.2)  # nothing was sent for the other driver

    request = asyncio.create_task(driver.api.post(f"{API}/me/sessions/{session['id']}/stop"))
    unique_id, action, stop_payload = (await charger.next_call())[1:]
    assert (action, stop_payload) == ("RemoteStopTransaction", {"transactionId": tx})
    await charger.reply(unique_id, {"status": "Accepted"})
    stopped = await request
    assert stopped.status_code == 200 and stopped.json()["status"] == "Accepted"
    await stop(charger, transaction_id=tx, meter_stop=11_500, timestamp=iso(t0 + timedelta(minutes=20)),
               reason="Remote")
    finished = (await driver.api.get(f"{API}/me/sessions/{session['id']}")).json()
    assert (finished["state"], finished["energy_wh"], finished["stop_reason"]) == ("completed", 1500, "Remote")
    again = await driver.api.post(f"{API}/me/sessions/{session['id']}/stop")
    assert again.status_code == 409

    actions = [e.action for e in await world.audit(cp["id"]) if e.action.startswith("command.")]
    assert actions == ["command.remote_start_transaction", "command.remote_stop_transaction"]


async def test_what_cannot_be_started(world: World) -> None:
    account = await world.account()
    other_account = await world.account("Other")
    driver = await world.person((Role.DRIVER, account))
    neighbour = await world.person((Role.DRIVER, other_account))
    visible = await world.charge_point(account_id=account)
    invisible = await world.charge_point(account_id=other_account)
    offline = await world.charge_point(account_id=account)
    charger = await world.connect(visible)
    hidden_charger = await world.connect(invisible)

    no_card = await driver.api.post(f"{API}/me/charge-points/{visible['id']}/start", json={})
    assert no_card.status_code == 409 and "card" in no_card.json()["detail"]
    mine = (await driver.api.post(f"{API}/me/cards", json={"uid": "MINE-1"})).json()
    theirs = (await neighbour.api.post(f"{API}/me/cards", json={"uid": "THEIRS-1"})).json()

    invisible_start = await driver.api.post(f"{API}/me/charge-points/{invisible['id']}/start", json={})
    assert invisible_start.status_code == 404
    assert await hidden_charger.silent_for(0.2)
    unknown = await driver.api.post(f"{API}/me/charge-points/{uuid.uuid4()}/start", json={})
    assert unknown.status_code == 404
    not_mine = await driver.api.post(f"{API}/me/charge-points/{visible['id']}/start", json={"card_id": theirs["id"]})
    assert not_mine.status_code == 404
    not_connected = await driver.api.post(f"{API}/me/charge-points/{offline['id']}/start", json={})
    assert not_connected.status_code == 409 and not_connected.json()["type"].endswith("/charger-not-connected")
    bad_connector = await driver.api.post(f"{API}/me/charge-points/{visible['id']}/start", json={"connector_id": 0})
    assert bad_connector.status_code == 422

    await card(world.tenant.api, uid="ELSEWHERE", user_id=str(driver.user_id), account_id=str(account),
               restricted=True, charge_point_ids=[offline["id"]])
    restricted = await driver.api.post(f"{API}/me/charge-points/{visible['id']}/start", json={
        "card_id": (await driver.api.get(f"{API}/me/cards")).json()[1]["id"]})
    assert restricted.status_code == 409 and "restricted" in restricted.json()["detail"]

    await driver.api.patch(f"{API}/me/cards/{mine['id']}", json={"status": "blocked"})
    blocked = await driver.api.post(f"{API}/me/charge-points/{visible['id']}/start", json={"card_id": mine["id"]})
    assert blocked.status_code == 409 and "blocked" in blocked.json()["detail"]
    none_left = await driver.api.post(f"{API}/me/charge-points/{visible['id']}/start", json={})
    assert none_left.status_code == 409  # a blocked card and one restricted to elsewhere

    virtual = (await driver.api.post(f"{API}/me/cards", json={"kind": "virtual"})).json()
    payload, refused = await start_from_app(driver, charger, reply="Rejected")
    assert payload == {"idTag": virtual["uid"]}
    assert refused.status_code == 200 and refused.json()["status"] == "Rejected"
