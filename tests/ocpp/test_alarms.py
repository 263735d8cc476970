"""Alarms raised from what chargers report and do: a faulted connector (one open alarm per cause,
resolved by itself when it clears), a charger away too long, a rejected boot, a failed firmware
update, a security event, an abnormal session end, a connection taken over; processed by operators
(acknowledged, resolved, with comments, history kept); rules per tenant; mailed to the admins."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from chargeplane.domain.clock import ManualClock
from chargeplane.domain.identity.permissions import Role
from tests.conftest import test_settings as settings_for
from tests.messaging.support import SmtpServer, body_of
from tests.ocpp.helpers import add_token, eventually, start, status_payload, stop
from tests.support.chargers import RawCharger, register_charger
from tests.support.people import make_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle, api_client, create_tenant

API = "/api/v1"




@pytest.fixture
def running_app(database_url: str, smtp: SmtpServer, clock: ManualClock) -> Iterator[RunningApp]:
    settings = settings_for(database_url, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False,
                            alarm_sweep_interval=0.1)
    running = RunningApp(settings, clock=clock).start()
    yield running
    running.stop()



async def _alarms(api: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await api.get(f"{API}/alarms", params=params)).json()["items"]
    return items


async def _one(api: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        items = await _alarms(api, **params)
        return items[0] if len(items) == 1 else None

    return await eventually(found, timeout=10)


async def _charger(running_app: RunningApp, tenant: TenantHandle) -> RawCharger:
    cp = await register_charger(tenant.api)
    charger = await RawCharger.connect(running_app.ws_url, cp["identity"])
    charger.cp_id = cp["id"]
    await charger.boot()
    return charger


async def test_a_fault_raises_one_alarm_that_clears_by_itself_and_is_mailed(
        running_app: RunningApp, tenant: TenantHandle, smtp: SmtpServer) -> None:
    admin = await make_user(running_app, tenant.id, roles=[(Role.TENANT_ADMIN, None)])
    charger = await _charger(running_app, tenant)
    try:
        await charger.result("StatusNotification", status_payload(1, "Faulted", "GroundFailure"))
        alarm = await _one(tenant.api, cause="connector_faulted", status="open")
        assert (alarm["level"], alarm["connector_id"], alarm["detail"]) == ("major", 1, "GroundFailure")
        assert alarm["charge_point_id"] == charger.cp_id
        mail = await smtp.mailbox.wait_for(admin.email)
        assert "Connector faulted" in str(mail["Subject"]) and charger.identity in body_of(mail)

        await charger.result("StatusNotification", status_payload(1, "Faulted", "HighTemperature"))
        again = await eventually(lambda: _repeated(tenant.api, alarm["id"]), timeout=10)
        assert again["detail"] == "HighTemperature"
        assert len(await _alarms(tenant.api, cause="connector_faulted")) == 1  # one open alarm per cause

        await charger.result("StatusNotification", status_payload(1, "Available"))
        resolved = await _one(tenant.api, cause="connector_faulted", status="resolved")
        assert resolved["id"] == alarm["id"] and resolved["resolved_by"] is None
        detail = (await tenant.api.get(f"{API}/alarms/{alarm['id']}")).json()
        assert [c["change"] for c in detail["history"]] == ["raised", "repeated", "resolved"]
        assert len(smtp.mailbox.to(admin.email)) == 1  # mailed when raised, not for each repeat
    finally:
        await charger.close()
        await admin.api.aclose()


async def _repeated(api: httpx.AsyncClient, alarm_id: str) -> dict[str, Any] | None:
    alarm: dict[str, Any] = (await api.get(f"{API}/alarms/{alarm_id}")).json()
    return alarm if alarm["occurrences"] == 2 else None


async def test_operators_acknowledge_and_resolve_with_comments(running_app: RunningApp, tenant: TenantHandle,
                                                               clock: ManualClock) -> None:
    charger = await _charger(running_app, tenant)
    try:
        await charger.result("StatusNotification", status_payload(2, "Faulted", "ConnectorLockFailure"))
        alarm = await _one(tenant.api, cause="connector_faulted", status="open")
        acked = await tenant.api.post(f"{API}/alarms/{alarm['id']}/acknowledge", json={"comment": "technician sent"})
        assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
        assert (await tenant.api.post(f"{API}/alarms/{alarm['id']}/acknowledge")).status_code == 409
        done = (await tenant.api.post(f"{API}/alarms/{alarm['id']}/resolve", json={"comment": "lock replaced"})).json()
        assert done["status"] == "resolved" and done["resolved_by"] == "test"
        assert [(c["change"], c["comment"]) for c in done["history"]] == [
            ("raised", None), ("acknowledged", "technician sent"), ("resolved", "lock replaced")]
        assert (await tenant.api.post(f"{API}/alarms/{alarm['id']}/resolve")).status_code == 409
        # The cause is still there: the sweep raises a new alarm for it (once the report has settled).
        clock.advance(timedelta(minutes=1))
        fresh = await eventually(lambda: _open_other_than(tenant.api, alarm["id"]), timeout=10)
        assert fresh["cause"] == "connector_faulted" and fresh["connector_id"] == 2
    finally:
        await charger.close()


async def _open_other_than(api: httpx.AsyncClient, alarm_id: str) -> dict[str, Any] | None:
    items = [a for a in await _alarms(api, status="open") if a["id"] != alarm_id]
    return items[0] if items else None


async def test_a_charger_away_too_long_raises_an_alarm_until_it_returns(
        running_app: RunningApp, tenant: TenantHandle, clock: ManualClock) -> None:
    rule = await tenant.api.put(f"{API}/alarm-rules/charger_offline", json={"offline_after_seconds": 120,
                                                                           "level": "critical"})
    assert rule.status_code == 200 and rule.json()["offline_after_seconds"] == 120
    charger = await _charger(running_app, tenant)
    identity, cp_id = charger.identity, charger.cp_id
    await charger.close()
    await asyncio.sleep(0.5)
    assert await _alarms(tenant.api, cause="charger_offline") == []  # not yet away long enough
    clock.advance(timedelta(minutes=5))
    alarm = await _one(tenant.api, cause="charger_offline", status="open")
    assert alarm["level"] == "critical" and alarm["charge_point_id"] == cp_id
    back = await RawCharger.connect(running_app.ws_url, identity)
    try:
        await back.boot()
        resolved = await _one(tenant.api, cause="charger_offline", status="resolved")
        assert resolved["resolved_by"] is None
    finally:
        await back.close()


async def test_reports_and_events_that_raise_alarms(running_app: RunningApp, tenant: TenantHandle) -> None:
    await add_token(tenant.api, "CARD-1")
    charger = await _charger(running_app, tenant)
    try:
        await charger.result("FirmwareStatusNotification", {"status": "InstallationFailed"})
        firmware = await _one(tenant.api, cause="firmware_failed", status="open")
        assert firmware["detail"] == "InstallationFailed"
        await charger.result("FirmwareStatusNotification", {"status": "Installed"})
        await _one(tenant.api, cause="firmware_failed", status="resolved")

        await charger.result("SecurityEventNotification", {"type": "InvalidCentralSystemCertificate",
                                                           "timestamp": "2026-11-22T05:00:00Z"})
        security = await _one(tenant.api, cause="security_event")
        assert security["level"] == "critical" and security["detail"] == "InvalidCentralSystemCertificate"

        started = await start(charger, id_tag="CARD-1", meter_start=5000)
        await stop(charger, transaction_id=started["transactionId"], meter_stop=1000)  # the meter ran backwards
        abnormal = await _one(tenant.api, cause="abnormal_session")
        assert abnormal["session_id"] is not None and abnormal["level"] == "minor"

        taker = await RawCharger.connect(running_app.ws_url, charger.identity)  # same identity and password
        try:
            takeover = await _one(tenant.api, cause="connection_takeover")
            assert takeover["level"] == "info"
        finally:
            await taker.close()
    finally:
        await charger.close()


async def test_a_rejected_boot_and_rules_that_switch_a_cause_off(running_app: RunningApp,
                                                                tenant: TenantHandle) -> None:
    off = await tenant.api.put(f"{API}/alarm-rules/connector_faulted", json={"enabled": False})
    assert off.json()["enabled"] is False
    rules = {r["cause"]: r for r in (await tenant.api.get(f"{API}/alarm-rules")).json()}
    assert rules["connector_faulted"]["enabled"] is False and rules["security_event"]["level"] == "critical"
    assert (await tenant.api.put(f"{API}/alarm-rules/no_such_cause", json={})).status_code == 422
    assert (await tenant.api.put(f"{API}/alarm-rules/security_event", json={"level": "loud"})).status_code == 422
    cp = await register_charger(tenant.api)
    assert (await tenant.api.patch(f"{API}/charge-points/{cp['id']}",
                                   json={"registration_status": "rejected"})).status_code == 200
    charger = await RawCharger.connect(running_app.ws_url, cp["identity"])
    try:
        assert (await charger.boot())["status"] == "Rejected"
        rejected = await _one(tenant.api, cause="boot_rejected")
        assert rejected["status"] == "open"
    finally:
        await charger.close()
    accepted = await _charger(running_app, tenant)
    try:
        await accepted.result("StatusNotification", status_payload(1, "Faulted", "GroundFailure"))
        await asyncio.sleep(0.5)
        assert await _alarms(tenant.api, cause="connector_faulted") == []
    finally:
        await accepted.close()


async def test_another_tenant_sees_no_alarm(running_app: RunningApp, tenant: TenantHandle) -> None:
    charger = await _charger(running_app, tenant)
    try:
        await charger.result("StatusNotification", status_payload(1, "Faulted", "GroundFailure"))
        alarm = await _one(tenant.api, cause="connector_faulted")
    finally:
        await charger.close()
    _, _, other_key = await create_tenant(running_app)
    async with api_client(running_app, other_key) as other:
        assert await _alarms(other) == []
        assert (await other.get(f"{API}/alarms/{alarm['id']}")).status_code == 404
        assert (await other.post(f"{API}/alarms/{alarm['id']}/resolve")).status_code == 404
