"""Every command the API sends gets the simulator's correct 1.6 answer, and the charger acts on it."""

from __future__ import annotations

from typing import Any

from chargeplane.simulator import SimulatedCharger
from tests.simulator.profiles import charging_profile
from tests.simulator.support import Simulation, eventually


async def _connector_status(simulation: Simulation, cp_id: str, connector_id: int) -> str | None:
    cp = await simulation.charge_point(cp_id)
    return next((c["status"] for c in cp["connectors"] if c["connector_id"] == connector_id), None)


async def _status_is(simulation: Simulation, cp_id: str, connector_id: int, status: str) -> bool:
    return await _connector_status(simulation, cp_id, connector_id) == status


async def _session_meter_values(simulation: Simulation, charger: SimulatedCharger, cp_id: str, *,
                                messages: int) -> list[dict[str, Any]]:
    """Charge until `messages` periodic MeterValues went out, stop, and return what the server stored."""
    tx = await charger.start_transaction()
    await eventually(lambda: tx.meter_value_messages >= messages, what=f"{messages} periodic MeterValues")
    await charger.stop_transaction()
    await charger.wait_queue_empty(10)
    [session] = await simulation.sessions(cp_id)
    values: list[dict[str, Any]] = (await simulation.session_detail(session["id"]))["meter_values"]
    return values


async def test_remote_start_starts_a_session_and_remote_stop_completes_it(simulation: Simulation) -> None:
    charger, cp = await simulation.charger()
    tag = await simulation.id_tag()

    reply = await simulation.answer(cp["id"], "remote-start-transaction", {"idTag": tag, "connectorId": 1})
    assert reply == {"status": "Accepted"}

    async def active() -> dict[str, Any] | None:
        found = await simulation.sessions(cp["id"], state="active")
        return found[0] if found else None

    session = await eventually(active, what="the remote-started session")
    assert session["id_tag"] == tag and session["connector_id"] == 1
    # The connector is taken now: a second remote start on it is refused.
    assert await simulation.answer(cp["id"], "remote-start-transaction", {"idTag": tag, "connectorId": 1}) == {
        "status": "Rejected"}
    assert await simulation.answer(cp["id"], "remote-stop-transaction", {"transactionId": 12345}) == {
        "status": "Rejected"}

    reply = await simulation.answer(cp["id"], "remote-stop-transaction",
                                    {"transactionId": session["transaction_id"]})
    assert reply == {"status": "Accepted"}

    async def completed() -> dict[str, Any] | None:
        found = await simulation.sessions(cp["id"], state="completed")
        return found[0] if found else None

    done = await eventually(completed, what="the remotely stopped session")
    assert done["id"] == session["id"]
    assert done["stop_reason"] == "Remote" and done["status"] == "normal"
    assert charger.completed[-1].stop_reason == "Remote"
    await eventually(lambda: _status_is(simulation, cp["id"], 1, "Available"), what="connector 1 Available")


async def test_remote_start_authorizes_first_when_the_charger_is_configured_to(simulation: Simulation) -> None:
    charger, cp = await simulation.charger()
    assert await simulation.answer(cp["id"], "change-configuration",
                                   {"key": "AuthorizeRemoteTxRequests", "value": "true"}) == {"status": "Accepted"}
    unknown_tag = "NOT-A-CARD"
    assert await simulation.answer(cp["id"], "remote-start-transaction", {"idTag": unknown_tag}) == {
        "status": "Accepted"}
    await eventually(lambda: charger.stats.sent_by_action["Authorize"] == 1, what="an Authorize")
    await eventually(lambda: _status_is(simulation, cp["id"], 1, "Available"), what="connector back to Available")
    assert await simulation.sessions(cp["id"]) == []


async def test_reset_stops_the_transaction_reconnects_and_boots_again(simulation: Simulation) -> None:
    charger, cp = await simulation.charger()
    tx = await charger.start_transaction()
    boots_before = (await simulation.charge_point(cp["id"]))["last_boot_at"]

    assert await simulation.answer(cp["id"], "reset", {"type": "Soft"}) == {"status": "Accepted"}
    await eventually(lambda: charger.stats.boots == 2 and charger.ready, what="a second boot")
    assert charger.stats.connects == 2

    cp_now = await simulation.charge_point(cp["id"])
    assert cp_now["connected"] and cp_now["last_boot_at"] > boots_before
    [session] = await simulation.sessions(cp["id"])
    assert session["state"] == "completed" and session["stop_reason"] == "SoftReset"
    assert session["meter_stop_wh"] == tx.meter_stop_wh


async def test_heartbeat_interval_changes_take_effect_and_show_in_get_configuration(simulation: Simulation) -> None:
    charger, cp = await simulation.charger()
    assert charger.stats.sent_by_action["Heartbeat"] == 0

    reply = await simulation.answer(cp["id"], "change-configuration", {"key": "HeartbeatInterval", "value": "1"})
    assert reply == {"status": "Accepted"}
    reply = await simulation.answer(cp["id"], "get-configuration", {"key": ["HeartbeatInterval"]})
    assert reply == {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "1"}]}
    await eventually(lambda: charger.stats.sent_by_action["Heartbeat"] >= 2, timeout=5, what="two heartbeats")


async def test_configuration_answers(simulation: Simulation) -> None:
    charger, cp = await simulation.charger()
    everything = await simulation.answer(cp["id"], "get-configuration")
    keys = {k["key"]: k for k in everything["configurationKey"]}
    assert keys["NumberOfConnectors"] == {"key": "NumberOfConnectors", "readonly": True, "value": "1"}
    assert "value" not in keys["AuthorizationKey"], "the AuthorizationKey must never be read back"
    assert "unknownKey" not in everything

    some = await simulation.answer(cp["id"], "get-configuration", {"key": ["MeterValueSampleInterval", "Nope"]})
    assert some["unknownKey"] == ["Nope"] and [k["key"] for k in some["configurationKey"]] == [
        "MeterValueSampleInterval"]

    async def change(key: str, value: str) -> str:
        status: str = (await simulation.answer(cp["id"], "change-configuration",
                                               {"key": key, "value": value}))["status"]
        return status

    assert await change("NumberOfConnectors", "4") == "Rejected"      # read-only
    assert await change("HeartbeatInterval", "soon") == "Rejected"    # not a number
    assert await change("NoSuchKey", "1") == "NotSupported"
    assert await change("MeterValuesSampledData", "Energy.Active.Import.Register,Voltage") == "Accepted"
    assert await change("MeterValuesSampledData", "Temperature") == "Rejected"  # not measured here
    assert await change("meterValueSampleInterval", "0.1") == "Accepted"     # keys are case-insensitive

    values = await _session_meter_values(simulation, charger, cp["id"], messages=2)
    assert {v["measurand"] for v in values if v["context"] == "Sample.Periodic"} == {
        "Energy.Active.Import.Register", "Voltage"}


async def test_a_new_authorization_key_is_used_for_the_next_connection(simulation: Simulation) -> None:
    charger, cp = await simulation.charger()
    new_key = "the-new-key-0123456789"
    reply = await simulation.answer(cp["id"], "change-configuration", {"key": "AuthorizationKey", "value": new_key})
    assert reply == {"status": "Accepted"}
    # The operator stores the same password; the server then closes the socket and the charger logs in again.
    response = await simulation.api.patch(f"/api/v1/charge-points/{cp['id']}", json={"password": new_key})
    assert response.status_code == 200, response.text
    await eventually(lambda: charger.stats.connects == 2 and charger.ready, what="a reconnection")
    assert charger.stats.handshake_refusals == 0


async def test_change_availability_whole_charger_and_scheduled_while_charging(simulation: Simulation) -> None:
    charger, cp = await simulation.charger()
    reply = await simulation.answer(cp["id"], "change-availability", {"connectorId": 0, "type": "Inoperative"})
    assert reply == {"status": "Accepted"}
    await eventually(lambda: _status_is(simulation, cp["id"], 1, "Unavailable"), what="connector 1 Unavailable")
    assert await _connector_status(simulation, cp["id"], 0) == "Unavailable"
    assert await simulation.answer(cp["id"], "remote-start-transaction", {"idTag": charger.options.id_tag}) == {
        "status": "Rejected"}

    assert await simulation.answer(cp["id"], "change-availability", {"connectorId": 0, "type": "Operative"}) == {
        "status": "Accepted"}
    await eventually(lambda: _status_is(simulation, cp["id"], 1, "Available"), what="connector 1 Available")

    await charger.start_transaction()
    reply = await simulation.answer(cp["id"], "change-availability", {"connectorId": 1, "type": "Inoperative"})
    assert reply == {"status": "Scheduled"}
    assert await _connector_status(simulation, cp["id"], 1) == "Charging"
    await charger.stop_transaction()
    await eventually(lambda: _status_is(simulation, cp["id"], 1, "Unavailable"),
                     what="the scheduled change after the transaction")
    assert await simulation.answer(cp["id"], "change-availability", {"connectorId": 7, "type": "Operative"}) == {
        "status": "Rejected"}


async def test_unlock_clear_cache_data_transfer_and_triggers(simulation: Simulation) -> None:
    charger, cp = await simulation.charger()
    assert await simulation.answer(cp["id"], "unlock-connector", {"connectorId": 1}) == {"status": "Unlocked"}
    assert await simulation.answer(cp["id"], "unlock-connector", {"connectorId": 9}) == {"status": "NotSupported"}
    await charger.authorize(charger.options.id_tag)
    assert charger.authorization_cache
    assert await simulation.answer(cp["id"], "clear-cache") == {"status": "Accepted"}
    assert charger.authorization_cache == {}
    assert await simulation.answer(cp["id"], "data-transfer", {"vendorId": "acme", "data": "x"}) == {
        "status": "UnknownVendorId"}

    sent = charger.stats.sent_by_action
    for requested, action in [("Heartbeat", "Heartbeat"), ("StatusNotification", "StatusNotification"),
                              ("MeterValues", "MeterValues"), ("BootNotification", "BootNotification"),
                              ("DiagnosticsStatusNotification", "DiagnosticsStatusNotification"),
                              ("FirmwareStatusNotification", "FirmwareStatusNotification")]:
        before = sent[action]
        reply = await simulation.answer(cp["id"], "trigger-message", {"requestedMessage": requested})
        assert reply == {"status": "Accepted"}, requested
        await eventually(lambda a=action, b=before: bool(sent[a] > b),  # type: ignore[misc]
                         what=f"the triggered {requested}")
    assert await simulation.answer(cp["id"], "trigger-message",
                                   {"requestedMessage": "StatusNotification", "connectorId": 5}) == {
        "status": "Rejected"}

    # Unlocking a connector in use ends its transaction first.
    await charger.start_transaction()
    assert await simulation.answer(cp["id"], "unlock-connector", {"connectorId": 1}) == {"status": "Unlocked"}
    await eventually(lambda: charger.completed and charger.completed[-1].stop_reason == "UnlockCommand",
                     what="the transaction stopped by UnlockCommand")


async def test_smart_charging_commands_limit_what_the_server_measures(simulation: Simulation) -> None:
    charger, cp = await simulation.charger(max_power_w=22_000.0, meter_interval=0.1)
    set_default = {"connectorId": 0, "csChargingProfiles": charging_profile(5, periods=[(0, 10)])}
    assert await simulation.answer(cp["id"], "set-charging-profile", set_default) == {"status": "Accepted"}
    reply = await simulation.answer(cp["id"], "get-composite-schedule", {"connectorId": 1, "duration": 60})
    assert reply["status"] == "Accepted" and reply["chargingSchedule"]["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 10, "numberPhases": 3}]

    values = await _session_meter_values(simulation, charger, cp["id"], messages=5)
    amps = [float(v["value"]) for v in values if v["measurand"] == "Current.Import"]
    watts = [float(v["value"]) for v in values if v["measurand"] == "Power.Active.Import"]
    assert len(amps) >= 15 and 9.5 <= min(amps) <= max(amps) <= 10 and max(watts) <= 10 * 230 * 3

    assert await simulation.answer(cp["id"], "clear-charging-profile", {"id": 5}) == {"status": "Accepted"}
    assert await simulation.answer(cp["id"], "clear-charging-profile", {"id": 5}) == {"status": "Unknown"}


async def test_a_charger_without_smart_charging_answers_not_supported(simulation: Simulation) -> None:
    charger, cp = await simulation.charger(smart_charging=False)
    profile = {"connectorId": 1, "csChargingProfiles": charging_profile()}
    assert await simulation.answer(cp["id"], "set-charging-profile", profile) == {"status": "NotSupported"}
    for action, payload in [("get-composite-schedule", {"connectorId": 1, "duration": 60}),
                            ("clear-charging-profile", {})]:
        response = await simulation.command(cp["id"], action, payload)
        assert response.status_code == 502, response.text
        assert response.json()["ocpp_error_code"] == "NotSupported", action
    assert charger.stats.call_errors_sent == 2


async def test_what_the_charger_does_not_support_is_a_call_error(simulation: Simulation) -> None:
    charger, cp = await simulation.charger()
    unsupported: list[tuple[str, dict[str, Any]]] = [
        ("get-local-list-version", {}),
        ("reserve-now", {"connectorId": 1, "expiryDate": "2030-01-01T00:00:00Z", "idTag": "X", "reservationId": 1}),
    ]
    for action, payload in unsupported:
        response = await simulation.command(cp["id"], action, payload)
        assert response.status_code == 502, response.text
        assert response.json()["ocpp_error_code"] == "NotSupported", action
    assert charger.stats.call_errors_sent == 2
    assert charger.ready  # a CALLERROR is an answer like any other: the connection stays
