"""Tenant isolation over OCPP: a charger sees only its own tenant's tokens and transactions, and another
tenant's operator can neither read nor command it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.ocpp.conftest import Fleet
from tests.ocpp.helpers import API, add_token, command, list_sessions, session_of, start, stop
from tests.support.chargers import RawCharger, iso, register_charger
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


async def test_a_charger_cannot_use_another_tenants_token(fleet: Fleet, tenant: TenantHandle,
                                                          other_tenant: TenantHandle) -> None:
    await add_token(other_tenant.api, "B-CARD", parent_uid="B-FLEET")
    charger = await fleet.raw()
    assert (await charger.result("Authorize", {"idTag": "B-CARD"}))["idTagInfo"] == {"status": "Invalid"}
    started = await start(charger, id_tag="b-card")
    assert started["idTagInfo"] == {"status": "Invalid"}
    [session] = await list_sessions(tenant.api, charge_point_id=charger.cp_id)
    assert (session["id_token_id"], session["id_tag_status"]) == (None, "invalid")
    # Tenant B's token knows nothing of it either.
    assert await list_sessions(other_tenant.api) == []
    # And tenant A's own token of the same uid is a different card.
    await add_token(tenant.api, "B-CARD")
    assert (await charger.result("Authorize", {"idTag": "B-CARD"}))["idTagInfo"] == {"status": "Accepted"}


async def test_a_charger_of_another_tenant_cannot_stop_a_transaction(running_app: RunningApp, fleet: Fleet,
                                                                     tenant: TenantHandle,
                                                                     other_tenant: TenantHandle) -> None:
    own = await fleet.raw()
    t0 = datetime.now(UTC) - timedelta(minutes=10)
    tx = (await start(own, id_tag="A-CARD", meter_start=0, timestamp=iso(t0)))["transactionId"]
    foreign_cp = await register_charger(other_tenant.api)
    foreign = await RawCharger.connect(running_app.ws_url, foreign_cp["identity"])
    fleet.track(foreign)
    await foreign.boot()
    await stop(foreign, transaction_id=tx, meter_stop=10_000, timestamp=iso(t0 + timedelta(minutes=5)))
    session = await session_of(tenant.api, own.cp_id, tx)
    assert (session["state"], session["meter_stop_wh"]) == ("active", None)
    # The foreign stop is tenant B's own abnormal record; tenant A never sees it.
    [orphan] = await list_sessions(other_tenant.api)
    assert (orphan["reported_transaction_id"], orphan["status"]) == (tx, "abnormal")
    assert [s["id"] for s in await list_sessions(tenant.api)] == [session["id"]]


async def test_another_tenants_operator_gets_404_for_the_charger_its_sessions_and_commands(
        fleet: Fleet, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    tx = (await start(charger, id_tag="A-CARD"))["transactionId"]
    session = await session_of(tenant.api, charger.cp_id, tx)
    b = other_tenant.api
    for path in [f"{API}/charge-points/{charger.cp_id}", f"{API}/charge-points/{charger.cp_id}/messages",
                 f"{API}/sessions/{session['id']}"]:
        assert (await b.get(path)).status_code == 404, path
    assert await list_sessions(b, charge_point_id=charger.cp_id) == []
    for action, payload in [("reset", {"type": "Hard"}), ("remote-stop-transaction", {"transactionId": tx}),
                            ("unlock-connector", {"connectorId": 1}), ("get-configuration", {}),
                            ("change-configuration", {"key": "AuthorizationKey", "value": "0123456789abcdef"}),
                            ("trigger-message", {"requestedMessage": "BootNotification"})]:
        response = await command(b, charger.cp_id, action, payload)
        assert response.status_code == 404, (action, response.text)
    assert (await b.post(f"{API}/charge-points/{charger.cp_id}/accept")).status_code == 404
    assert (await b.patch(f"{API}/charge-points/{charger.cp_id}",
                          json={"registration_status": "rejected"})).status_code == 404
    # Nothing reached the charger and it carries on.
    assert await charger.silent_for(0.3)
    assert "currentTime" in await charger.result("Heartbeat", {})
    assert (await session_of(tenant.api, charger.cp_id, tx))["state"] == "active"
