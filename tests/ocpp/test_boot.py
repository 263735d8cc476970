"""Boot states (OCPP 1.6 §4.2; OCTT cold boot tests): Accepted, Pending and Rejected, what each allows,
reconnecting without a boot, and an operator accepting a Pending charger."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from ocpp.exceptions import SecurityError
from ocpp.v16 import call

from tests.ocpp.conftest import Fleet
from tests.ocpp.helpers import API, command, get_charge_point, list_sessions, parse_time, status_payload
from tests.support.chargers import RawCharger, now_iso
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

# One of each kind of request a booted charger may send.
OTHER_REQUESTS = [
    ("Heartbeat", {}),
    ("StatusNotification", status_payload(1, "Available")),
    ("Authorize", {"idTag": "CARD-1"}),
    ("StartTransaction", {"connectorId": 1, "idTag": "CARD-1", "meterStart": 0, "timestamp": "2026-01-01T00:00:00Z"}),
    ("StopTransaction", {"transactionId": 1, "meterStop": 10, "timestamp": "2026-01-01T01:00:00Z"}),
    ("MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": "2026-01-01T00:30:00Z",
                                                        "sampledValue": [{"value": "5"}]}]}),
    ("DataTransfer", {"vendorId": "com.example"}),
    ("DiagnosticsStatusNotification", {"status": "Idle"}),
    ("FirmwareStatusNotification", {"status": "Idle"}),
]


async def test_accepted_boot_answers_interval_and_time_and_keeps_what_the_charger_says(
        running_app: RunningApp, fleet: Fleet, tenant: TenantHandle) -> None:
    cp = await fleet.register()
    charger = await fleet.raw(cp, boot=False)
    payload = {
        "chargePointVendor": "V" * 20, "chargePointModel": "M" * 20, "chargePointSerialNumber": "S" * 25,
        "chargeBoxSerialNumber": "B" * 25, "firmwareVersion": "F" * 50, "iccid": "I" * 20, "imsi": "N" * 20,
        "meterType": "T" * 25, "meterSerialNumber": "R" * 25,
    }
    before = datetime.now(UTC)
    result = await charger.result("BootNotification", payload)
    assert result["status"] == "Accepted"
    assert result["interval"] == running_app.settings.ocpp_heartbeat_interval
    assert result["currentTime"].endswith("Z")
    assert abs((parse_time(result["currentTime"]) - before).total_seconds()) < 5

    got = await get_charge_point(tenant.api, cp["id"])
    assert got["boot_status"] == "Accepted"
    assert got["connected"] is True
    assert got["last_boot_at"] is not None
    assert [got[k] for k in ("vendor", "model", "serial_number", "charge_box_serial_number", "firmware_version",
                             "iccid", "imsi", "meter_type", "meter_serial_number")] == list(payload.values())


@pytest.mark.parametrize(("registration", "status", "interval_setting"), [
    ("pending", "Pending", "ocpp_pending_retry_interval"),
    ("rejected", "Rejected", "ocpp_rejected_retry_interval"),
])
async def test_a_charger_not_accepted_gets_security_error_for_anything_but_a_boot(
        running_app: RunningApp, fleet: Fleet, tenant: TenantHandle, registration: str, status: str,
        interval_setting: str) -> None:
    charger = await fleet.raw(boot=False, registration_status=registration)
    result = await charger.boot()
    assert result["status"] == status
    assert result["interval"] == getattr(running_app.settings, interval_setting)
    for action, payload in OTHER_REQUESTS:
        frame = await charger.error(action, payload)
        assert frame[2] == "SecurityError", action
    # Nothing of what it sent was taken: no session, no connector status.
    assert await list_sessions(tenant.api, charge_point_id=charger.cp_id) == []
    assert (await get_charge_point(tenant.api, charger.cp_id))["connectors"] == []
    # The socket stays open and the charger may boot again, with the same answer.
    assert (await charger.boot())["status"] == status
    assert (await get_charge_point(tenant.api, charger.cp_id))["connected"] is True


async def test_nothing_is_sent_to_a_rejected_charger(fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.raw(registration_status="rejected")
    for action, payload in [("reset", {"type": "Soft"}), ("get-configuration", {}),
                            ("trigger-message", {"requestedMessage": "BootNotification"}),
                            ("remote-start-transaction", {"idTag": "CARD-1"})]:
        response = await command(tenant.api, charger.cp_id, action, payload)
        assert response.status_code == 409, (action, response.text)
    assert await charger.silent_for(0.3)


async def test_a_pending_charger_may_be_configured_but_not_remote_started_or_stopped(
        fleet: Fleet, tenant: TenantHandle) -> None:
    """§4.2: while Pending the Central System may retrieve or change configuration, but
    RemoteStartTransaction.req and RemoteStopTransaction.req are not allowed."""
    charger = await fleet.ocpp(registration_status="pending")
    got = await command(tenant.api, charger.cp_id, "get-configuration", {"key": ["HeartbeatInterval"]})
    assert got.status_code == 200, got.text
    assert await charger.next_call() == ("GetConfiguration", {"key": ["HeartbeatInterval"]})
    for action, payload in [("remote-start-transaction", {"idTag": "CARD-1", "connectorId": 1}),
                            ("remote-stop-transaction", {"transactionId": 1})]:
        response = await command(tenant.api, charger.cp_id, action, payload)
        assert response.status_code == 409, (action, response.text)
    changed = await command(tenant.api, charger.cp_id, "change-configuration", {"key": "MeterValueSampleInterval",
                                                                                "value": "60"})
    assert changed.status_code == 200, changed.text
    # The refused commands never reached the charger: the next CALL it saw is the configuration change.
    assert (await charger.next_call())[0] == "ChangeConfiguration"


async def test_an_accepted_charger_that_reconnects_without_booting_is_served(
        running_app: RunningApp, fleet: Fleet, tenant: TenantHandle) -> None:
    first = await fleet.raw()
    await first.close()
    again = await RawCharger.connect(running_app.ws_url, first.identity)
    fleet.track(again)
    assert "currentTime" in await again.result("Heartbeat", {})
    assert await again.result("StatusNotification", status_payload(1, "Preparing")) == {}
    await tenant.api.post(f"{API}/id-tokens", json={"uid": "CARD-RECONNECT"})
    started = await again.result("StartTransaction", {"connectorId": 1, "idTag": "CARD-RECONNECT",
                                                      "meterStart": 0, "timestamp": now_iso()})
    assert started["idTagInfo"]["status"] == "Accepted"
    assert (await get_charge_point(tenant.api, first.cp_id))["connected"] is True


async def test_accepting_a_pending_charger_makes_it_boot_again_at_once(fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.ocpp(boot=False, registration_status="pending")
    assert (await charger.boot()).status == "Pending"
    with pytest.raises(SecurityError):
        await charger.call(call.Heartbeat(), suppress=False)

    accepted = await tenant.api.post(f"{API}/charge-points/{charger.cp_id}/accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["registration_status"] == "accepted"
    # The server asks the waiting charger to boot now (TriggerMessage), and the new boot is Accepted.
    assert await charger.next_call() == ("TriggerMessage", {"requestedMessage": "BootNotification"})
    reboot = await charger.boots.get()
    assert reboot.status == "Accepted"
    assert (await charger.call(call.Heartbeat(), suppress=False)).current_time
    assert (await get_charge_point(tenant.api, charger.cp_id))["boot_status"] == "Accepted"


async def test_rejecting_a_connected_charger_closes_it_and_its_next_boot_is_rejected(
        running_app: RunningApp, fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    patched = await tenant.api.patch(f"{API}/charge-points/{charger.cp_id}", json={"registration_status": "rejected"})
    assert patched.status_code == 200, patched.text
    assert await charger.closed_code() not in (None, 1000)
    again = await RawCharger.connect(running_app.ws_url, charger.identity)
    fleet.track(again)
    assert (await again.boot())["status"] == "Rejected"
    assert (await again.error("Heartbeat", {}))[2] == "SecurityError"
    assert (await command(tenant.api, charger.cp_id, "reset", {"type": "Soft"})).status_code == 409


async def test_a_pending_charger_may_send_what_it_was_triggered_to_send(fleet: Fleet, tenant: TenantHandle) -> None:
    """§4.2: a Pending charge point sends nothing of its own accord, except what the central system asked for
    with TriggerMessage.req; and only once per request."""
    charger = await fleet.raw(registration_status="pending")
    assert (await charger.error("StatusNotification", status_payload(1, "Available")))[2] == "SecurityError"
    command_task = asyncio.create_task(command(tenant.api, charger.cp_id, "trigger-message",
                                               {"requestedMessage": "StatusNotification", "connectorId": 1}))
    call = await charger.next_call()
    assert call[2] == "TriggerMessage"
    await charger.reply(call[1], {"status": "Accepted"})
    assert (await command_task).status_code == 200
    assert await charger.result("StatusNotification", status_payload(1, "Available")) == {}
    assert (await charger.error("StatusNotification", status_payload(1, "Available")))[2] == "SecurityError"
    assert (await charger.error("Heartbeat", {}))[2] == "SecurityError"


async def test_an_accepted_charger_set_back_to_pending_must_boot_again(fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    await tenant.api.patch(f"{API}/charge-points/{charger.cp_id}", json={"registration_status": "pending"})
    assert await charger.closed_code() == 4001
    again = await RawCharger.connect(fleet.app.ws_url, charger.identity)
    fleet.track(again)
    assert (await again.error("Heartbeat", {}))[2] == "SecurityError"
    assert (await again.boot())["status"] == "Pending"
