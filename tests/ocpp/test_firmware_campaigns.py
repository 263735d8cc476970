"""Firmware campaigns: chargers chosen by a selection receive UpdateFirmware a batch at a time as they
are connected, their FirmwareStatusNotifications move each one on, a failure is retried while
attempts remain, the campaign completes with a summary; cancel; one campaign per charger at a time."""

from __future__ import annotations

from typing import Any

import httpx
from ocpp.v16 import call

from tests.ocpp.conftest import Fleet
from tests.ocpp.helpers import eventually
from tests.support.chargers import OcppCharger
from tests.support.tenants import TenantHandle

API = "/api/v1"
FIRMWARE = "https://firmware.example/acme-ac22-2.4.1.bin"


async def _charger(fleet: Fleet, model: str, version: str) -> OcppCharger:
    charger = await fleet.ocpp(boot=False)
    await charger.call(call.BootNotification(charge_point_model=model, charge_point_vendor="Acme",
                                             firmware_version=version), suppress=False)
    return charger


async def _report(charger: OcppCharger, *statuses: str) -> None:
    for status in statuses:
        await charger.call(call.FirmwareStatusNotification(status=status), suppress=False)


async def _targets(api: httpx.AsyncClient, campaign_id: str) -> dict[str, dict[str, Any]]:
    rows = (await api.get(f"{API}/firmware-campaigns/{campaign_id}/targets")).json()
    return {row["charge_point_id"]: row for row in rows}


async def test_a_campaign_updates_its_chargers_in_batches(fleet: Fleet, tenant: TenantHandle) -> None:
    first, second = await _charger(fleet, "AC22", "2.3.0"), await _charger(fleet, "AC22", "2.3.0")
    other_model = await _charger(fleet, "DC50", "2.3.0")
    body = {"name": "AC22 to 2.4.1", "location": FIRMWARE, "selection": {"vendor": "Acme", "model": "AC22"},
            "batch_size": 1, "max_attempts": 2}
    assert (await tenant.api.post(f"{API}/firmware-campaigns/preview", json=body)).json() == {"chargers": 2}
    made = await tenant.api.post(f"{API}/firmware-campaigns", json=body)
    assert made.status_code == 201, made.text
    campaign = made.json()
    assert campaign["targets"] == 2 and campaign["status"] == "running"
    again = await tenant.api.post(f"{API}/firmware-campaigns", json=body)
    assert again.status_code == 409  # the same chargers are in a running campaign

    # One at a time (batch size 1): whichever goes first gets UpdateFirmware, the other waits.
    sent = await _first_update(first, second)
    waiting = second if sent is first else first
    action, payload = await sent.next_call()
    assert action == "UpdateFirmware" and payload["location"] == FIRMWARE and "retrieveDate" in payload
    assert waiting.calls.empty()
    await _report(sent, "Downloading", "Downloaded", "Installing", "Installed")
    action, _ = await waiting.next_call(timeout=15)
    assert action == "UpdateFirmware"
    await _report(waiting, "Downloading", "DownloadFailed")  # retried: attempts remain
    action, _ = await waiting.next_call(timeout=15)
    assert action == "UpdateFirmware"
    await _report(waiting, "Downloading", "Downloaded", "Installing", "Installed")

    async def completed() -> dict[str, Any] | None:
        summary: dict[str, Any] = (await tenant.api.get(f"{API}/firmware-campaigns/{campaign['id']}")).json()
        return summary if summary["status"] == "completed" else None

    done = await eventually(completed, timeout=15)
    assert done["by_status"] == {"installed": 2} and done["finished_at"] is not None
    targets = await _targets(tenant.api, campaign["id"])
    assert targets[waiting.cp_id]["attempts"] == 2 and targets[sent.cp_id]["attempts"] == 1
    assert targets[waiting.cp_id]["firmware_before"] == "2.3.0"
    assert other_model.cp_id not in targets and other_model.calls.empty()


async def _first_update(*chargers: OcppCharger) -> OcppCharger:
    async def which() -> OcppCharger | None:
        return next((c for c in chargers if not c.calls.empty()), None)

    return await eventually(which, timeout=15)


async def test_failures_use_up_attempts_and_cancel_stops_the_rest(fleet: Fleet, tenant: TenantHandle) -> None:
    broken = await _charger(fleet, "AC11", "1.0")
    cp_offline = await fleet.register()
    body = {"name": "AC11", "location": FIRMWARE, "batch_size": 5, "max_attempts": 1,
            "selection": {"charge_point_ids": [broken.cp_id, cp_offline["id"]]}}
    campaign = (await tenant.api.post(f"{API}/firmware-campaigns", json=body)).json()
    assert (await broken.next_call(timeout=15))[0] == "UpdateFirmware"
    await _report(broken, "InstallationFailed")

    async def failed() -> dict[str, Any] | None:
        target = (await _targets(tenant.api, campaign["id"]))[broken.cp_id]
        return target if target["status"] == "failed" else None

    assert (await eventually(failed, timeout=10))["last_report"] == "InstallationFailed"
    cancelled = (await tenant.api.post(f"{API}/firmware-campaigns/{campaign['id']}/cancel")).json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["by_status"] == {"failed": 1, "cancelled": 1}  # the offline one never got it
    assert (await tenant.api.post(f"{API}/firmware-campaigns/{campaign['id']}/cancel")).status_code == 409
    alarms = (await tenant.api.get(f"{API}/alarms", params={"cause": "firmware_failed"})).json()["items"]
    assert len(alarms) == 1  # the failed installation raised its alarm too


async def test_campaigns_are_the_tenants_own(fleet: Fleet, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    charger = await _charger(fleet, "AC22", "1.0")
    nothing = await tenant.api.post(f"{API}/firmware-campaigns", json={
        "name": "none", "location": FIRMWARE, "selection": {"model": "NOPE"}})
    assert nothing.status_code == 422
    campaign = (await tenant.api.post(f"{API}/firmware-campaigns", json={
        "name": "one", "location": FIRMWARE, "selection": {"charge_point_ids": [charger.cp_id]}})).json()
    assert (await other_tenant.api.get(f"{API}/firmware-campaigns/{campaign['id']}")).status_code == 404
    assert (await other_tenant.api.get(f"{API}/firmware-campaigns")).json()["items"] == []
    foreign = await other_tenant.api.post(f"{API}/firmware-campaigns", json={
        "name": "theirs", "location": FIRMWARE, "selection": {"charge_point_ids": [charger.cp_id]}})
    assert foreign.status_code == 422  # another tenant's charger is simply not there to choose
