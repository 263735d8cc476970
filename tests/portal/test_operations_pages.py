"""The alarms and webhooks pages: an alarm raised by a charger is listed, acknowledged and resolved
with comments (history shown); rules changed; an endpoint added with its secret shown once, a test
event delivered to a real local server and its attempt shown, replay; another tenant sees nothing."""

from __future__ import annotations

import asyncio
import re

import pytest

from chargeplane.config import Settings
from chargeplane.domain.identity.permissions import Role
from tests.conftest import test_settings as settings_for
from tests.jobs.webhook_receiver import Receiver
from tests.ocpp.helpers import eventually, status_payload
from tests.portal.support import PortalPerson, portal_user
from tests.support.chargers import RawCharger, register_charger
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


@pytest.fixture
def app_settings(database_url: str) -> Settings:
    return settings_for(database_url, portal_live_interval=0.2, webhooks_allow_insecure=True,
                        webhook_poll_interval=0.05)



async def test_an_alarm_is_processed_in_the_portal(running_app: RunningApp, tenant: TenantHandle,
                                                   admin: PortalPerson) -> None:
    cp = await register_charger(tenant.api)
    charger = await RawCharger.connect(running_app.ws_url, cp["identity"])
    try:
        await charger.boot()
        await charger.result("StatusNotification", status_payload(1, "Faulted", "GroundFailure"))

        async def listed() -> str | None:
            page = await admin.portal.get("/portal/alarms")
            return page.text if "GroundFailure" in page.text else None

        listing = await eventually(listed, timeout=10)
    finally:
        await charger.close()
    assert "Connector faulted" in listing and cp["identity"] in listing and "Major" in listing
    alarm_id = re.search(r'href="/portal/alarms/([0-9a-f-]{36})"', listing).group(1)  # type: ignore[union-attr]
    acked = await admin.portal.post(f"/portal/alarms/{alarm_id}/acknowledge", {"comment": "on my way"})
    assert acked.status_code == 303
    again = await admin.portal.post(f"/portal/alarms/{alarm_id}/acknowledge", {"comment": "twice"})
    assert again.status_code == 409 and "only an open alarm" in again.text
    await admin.portal.post(f"/portal/alarms/{alarm_id}/resolve", {"comment": "earth fixed"})
    detail = (await admin.portal.get(f"/portal/alarms/{alarm_id}")).text
    assert "on my way" in detail and "earth fixed" in detail and "Resolved" in detail
    api = (await tenant.api.get(f"/api/v1/alarms/{alarm_id}")).json()
    assert api["status"] == "resolved" and api["resolved_by"]
    assert "GroundFailure" not in (await admin.portal.get("/portal/alarms")).text  # active ones only
    assert "GroundFailure" in (await admin.portal.get("/portal/alarms?status=resolved")).text


async def test_alarm_rules_are_changed_in_the_portal(running_app: RunningApp, tenant: TenantHandle,
                                                     admin: PortalPerson) -> None:
    rules = await admin.portal.get("/portal/alarms/rules")
    assert rules.status_code == 200 and "Charger offline" in rules.text
    saved = await admin.portal.post("/portal/alarms/rules/charger_offline", {
        "enabled": "true", "level": "critical", "offline_minutes": "15", "notify_emails": "ops@example.org"})
    assert saved.status_code == 303
    rule = {r["cause"]: r for r in (await tenant.api.get("/api/v1/alarm-rules")).json()}["charger_offline"]
    assert (rule["level"], rule["offline_after_seconds"], rule["notify_emails"]) == (
        "critical", 900, ["ops@example.org"])
    bad = await admin.portal.post("/portal/alarms/rules/charger_offline", {"offline_minutes": "soon"})
    assert bad.status_code == 422 and "whole number" in bad.text
    off = await admin.portal.post("/portal/alarms/rules/security_event", {"level": "minor"})  # box left unticked
    assert off.status_code == 303
    rule = {r["cause"]: r for r in (await tenant.api.get("/api/v1/alarm-rules")).json()}["security_event"]
    assert rule["enabled"] is False and rule["level"] == "minor"


async def test_webhooks_are_managed_in_the_portal(running_app: RunningApp, tenant: TenantHandle,
                                                  admin: PortalPerson, receiver: Receiver) -> None:
    bad = await admin.portal.post("/portal/webhooks", {"url": "ftp://nowhere", "event_types": "*"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    made = await admin.portal.post("/portal/webhooks", {"url": receiver.url, "event_types": ["webhook.test",
                                                                                             "alarm.raised"]})
    assert made.status_code == 200
    secret = re.search(r'class="secret">(whsec_[^<]+)<', made.text).group(1)  # type: ignore[union-attr]
    listing = (await admin.portal.get("/portal/webhooks")).text
    assert receiver.url in listing and secret not in listing  # shown once
    endpoint_id = re.search(r'href="/portal/webhooks/([0-9a-f-]{36})"', listing).group(1)  # type: ignore[union-attr]
    await admin.portal.post(f"/portal/webhooks/{endpoint_id}/test")
    received = await asyncio.to_thread(receiver.wait_for, "webhook.test")
    assert received[0].json["data"]["endpoint_id"] == endpoint_id

    async def delivered() -> str | None:
        page = (await admin.portal.get(f"/portal/webhooks/{endpoint_id}")).text
        return page if "Delivered" in page else None

    page = await eventually(delivered, timeout=10)
    delivery_id = re.search(r'href="/portal/webhook-deliveries/([0-9a-f-]{36})"', page).group(1)  # type: ignore[union-attr]
    await admin.portal.post(f"/portal/webhook-deliveries/{delivery_id}/replay")
    await asyncio.to_thread(receiver.wait_for, "webhook.test", count=2)
    rotated = await admin.portal.post(f"/portal/webhooks/{endpoint_id}/rotate")
    assert "whsec_" in rotated.text and secret not in rotated.text
    assert (await admin.portal.post(f"/portal/webhooks/{endpoint_id}/delete")).status_code == 303
    assert (await tenant.api.get("/api/v1/webhook-endpoints")).json() == []


async def test_operations_pages_are_out_of_reach_of_others(running_app: RunningApp, tenant: TenantHandle,
                                                           other_tenant: TenantHandle, admin: PortalPerson) -> None:
    await admin.portal.post("/portal/webhooks", {"url": "https://hooks.example/x", "event_types": "*"})
    endpoint_id = (await tenant.api.get("/api/v1/webhook-endpoints")).json()[0]["id"]
    outsider = await portal_user(running_app, other_tenant.id, other_tenant.slug, roles=[(Role.TENANT_ADMIN, None)])
    member = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.CUSTOMER_SUPPORT, None)])
    try:
        assert (await outsider.portal.get(f"/portal/webhooks/{endpoint_id}")).status_code == 404
        assert "hooks.example" not in (await outsider.portal.get("/portal/webhooks")).text
        assert (await member.portal.get("/portal/webhooks")).status_code == 403
        assert (await member.portal.get("/portal/alarms")).status_code == 200
    finally:
        for person in (outsider, member):
            await person.portal.aclose()
            await person.person.api.aclose()
