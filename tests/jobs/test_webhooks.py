"""Webhooks received by a real local HTTP server: signed and timestamped, only the subscribed types,
written with the events that caused them, retried with backoff and logged per attempt, replayed on
request; endpoints checked; another tenant sees nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from chargeplane.domain.clock import ManualClock
from chargeplane.domain.webhooks.signing import verify
from tests.conftest import test_settings as settings_for
from tests.jobs.webhook_receiver import Receiver
from tests.ocpp.helpers import add_token, eventually, start, status_payload, stop
from tests.support.chargers import RawCharger, register_charger
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle, api_client, create_tenant

API = "/api/v1"




@pytest.fixture
def running_app(database_url: str, clock: ManualClock) -> Iterator[RunningApp]:
    settings = settings_for(database_url, webhooks_allow_insecure=True, webhook_poll_interval=0.05)
    running = RunningApp(settings, clock=clock).start()
    yield running
    running.stop()



async def _endpoint(api: httpx.AsyncClient, url: str, types: list[str]) -> dict[str, Any]:
    made = await api.post(f"{API}/webhook-endpoints", json={"url": url, "event_types": types})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def _charger(running_app: RunningApp, tenant: TenantHandle) -> RawCharger:
    cp = await register_charger(tenant.api)
    charger = await RawCharger.connect(running_app.ws_url, cp["identity"])
    charger.cp_id = cp["id"]
    await charger.boot()
    return charger


async def test_events_arrive_signed_with_the_subscribed_types_only(running_app: RunningApp, tenant: TenantHandle,
                                                                   receiver: Receiver) -> None:
    everything = await _endpoint(tenant.api, receiver.url, ["*"])
    sessions_only = await _endpoint(tenant.api, receiver.url + "/sessions", ["session.started", "session.stopped"])
    assert everything["secret"].startswith("whsec_")
    assert "secret" not in (await tenant.api.get(f"{API}/webhook-endpoints/{everything['id']}")).json()
    await add_token(tenant.api, "CARD-1")
    charger = await _charger(running_app, tenant)
    try:
        await charger.result("StatusNotification", status_payload(1, "Charging"))
        started = await start(charger, id_tag="CARD-1", meter_start=1000)
        await charger.result("MeterValues", {"connectorId": 1, "transactionId": started["transactionId"],
                                             "meterValue": [{"timestamp": "2026-11-22T06:00:00Z",
                                                             "sampledValue": [{"value": "1500"}]}]})
        await stop(charger, transaction_id=started["transactionId"], meter_stop=2500)
    finally:
        await charger.close()
    connected = await asyncio.to_thread(receiver.wait_for, "charger.connected")
    status = (await asyncio.to_thread(receiver.wait_for, "charger.status_changed"))[0]
    updated = (await asyncio.to_thread(receiver.wait_for, "session.updated"))[0]
    stopped = await asyncio.to_thread(receiver.wait_for, "session.stopped", count=2)
    await asyncio.to_thread(receiver.wait_for, "charger.disconnected")

    assert status.json["version"] == 1 and status.json["data"]["status"] == "Charging"
    assert status.json["data"]["charge_point_id"] == charger.cp_id
    assert updated.json["data"]["energy_register_wh"] == 1500
    assert status.headers["Chargeplane-Event-Type"] == "charger.status_changed"
    assert status.headers["Chargeplane-Event-Id"] == status.json["id"]
    assert verify(everything["secret"], status.headers["Chargeplane-Signature"], status.body, now=int(time.time()))
    assert not verify(everything["secret"], status.headers["Chargeplane-Signature"], status.body + b" ",
                      now=int(time.time()))
    assert not verify(everything["secret"], status.headers["Chargeplane-Signature"], status.body,
                      now=int(time.time()) + 3600)  # an old signature is a replay
    assert connected[0].path == "/hooks"
    # The sessions-only endpoint got the two session events, nothing else.
    to_sessions = [r for r in receiver.received if r.path == "/hooks/sessions"]
    assert sorted(r.json["type"] for r in to_sessions) == ["session.started", "session.stopped"]
    assert all(verify(sessions_only["secret"], r.headers["Chargeplane-Signature"], r.body, now=int(time.time()))
               for r in to_sessions)
    assert {r.json["data"]["energy_wh"] for r in stopped} == {1500}
    async def all_succeeded() -> bool | None:
        listed = (await tenant.api.get(f"{API}/webhook-endpoints/{sessions_only['id']}/deliveries")).json()
        return True if [d["status"] for d in listed["items"]] == ["succeeded", "succeeded"] else None

    assert await eventually(all_succeeded, timeout=10)


async def test_failures_are_retried_with_backoff_and_every_attempt_is_logged(
        running_app: RunningApp, tenant: TenantHandle, receiver: Receiver, clock: ManualClock) -> None:
    endpoint = await _endpoint(tenant.api, receiver.url, ["webhook.test"])
    receiver.answers.extend([500, 503])
    queued = (await tenant.api.post(f"{API}/webhook-endpoints/{endpoint['id']}/test")).json()
    await asyncio.to_thread(receiver.wait_for, "webhook.test")
    delivery_url = f"{API}/webhook-deliveries/{queued['id']}"

    async def attempts(n: int) -> dict[str, Any] | None:
        detail: dict[str, Any] = (await tenant.api.get(delivery_url)).json()
        return detail if len(detail["attempt_log"]) == n else None

    first = await eventually(lambda: attempts(1), timeout=10)
    assert first["status"] == "pending" and first["attempt_log"][0]["status_code"] == 500
    await asyncio.sleep(0.3)
    assert len(receiver.of_type("webhook.test")) == 1  # not before its time
    clock.advance(timedelta(seconds=31))
    second = await eventually(lambda: attempts(2), timeout=10)
    assert second["attempt_log"][1]["status_code"] == 503
    clock.advance(timedelta(seconds=61))
    third = await eventually(lambda: attempts(3), timeout=10)
    assert third["status"] == "succeeded" and third["last_status_code"] == 200
    ids = {r.json["id"] for r in receiver.of_type("webhook.test")}
    assert len(ids) == 1  # the same event each time: receivers deduplicate by id

    replayed = await tenant.api.post(f"{delivery_url}/replay")
    assert replayed.json()["status"] == "pending"
    await asyncio.to_thread(receiver.wait_for, "webhook.test", count=4)
    assert (await eventually(lambda: attempts(4), timeout=10))["status"] == "succeeded"


async def test_an_endpoint_that_never_answers_fails_after_a_day(running_app: RunningApp, tenant: TenantHandle,
                                                                receiver: Receiver, clock: ManualClock) -> None:
    endpoint = await _endpoint(tenant.api, receiver.url, ["webhook.test"])
    receiver.answers.extend([500] * 100)
    queued = (await tenant.api.post(f"{API}/webhook-endpoints/{endpoint['id']}/test")).json()
    url = f"{API}/webhook-deliveries/{queued['id']}"
    for _ in range(40):
        detail = (await tenant.api.get(url)).json()
        if detail["status"] == "failed":
            break
        clock.advance(timedelta(hours=1))
        await asyncio.sleep(0.15)
    assert detail["status"] == "failed"
    waits = len(detail["attempt_log"])
    assert 20 <= waits <= 32  # 30 s doubling to an hour, for a day


async def test_endpoints_are_checked(running_app: RunningApp, tenant: TenantHandle, database_url: str) -> None:
    bad = await tenant.api.post(f"{API}/webhook-endpoints", json={"url": "ftp://x.example/", "event_types": ["*"]})
    assert bad.status_code == 422 and bad.json()["field"] == "url"
    unknown = await tenant.api.post(f"{API}/webhook-endpoints", json={"url": "https://x.example/h",
                                                                      "event_types": ["session.exploded"]})
    assert unknown.status_code == 422 and "session.exploded" in unknown.json()["detail"]
    types = (await tenant.api.get(f"{API}/webhook-event-types")).json()
    assert "alarm.raised" in types and "session.updated" in types
    strict = RunningApp(settings_for(database_url)).start()
    try:
        _, _, key = await create_tenant(strict)
        async with api_client(strict, key) as api:
            for url in ("http://hooks.example/x", "https://127.0.0.1/x", "https://10.1.2.3/x", "https://localhost/x"):
                refused = await api.post(f"{API}/webhook-endpoints", json={"url": url, "event_types": ["*"]})
                assert refused.status_code == 422, url
            fine = await api.post(f"{API}/webhook-endpoints", json={"url": "https://hooks.example/x",
                                                                    "event_types": ["*"]})
            assert fine.status_code == 201
    finally:
        strict.stop()


async def test_alarms_reach_webhooks_and_other_tenants_see_nothing(running_app: RunningApp, tenant: TenantHandle,
                                                                   receiver: Receiver) -> None:
    endpoint = await _endpoint(tenant.api, receiver.url, ["alarm.raised", "alarm.resolved"])
    charger = await _charger(running_app, tenant)
    try:
        await charger.result("FirmwareStatusNotification", {"status": "DownloadFailed"})
        raised = (await asyncio.to_thread(receiver.wait_for, "alarm.raised"))[0].json
        assert raised["data"]["cause"] == "firmware_failed" and raised["data"]["level"] == "major"
    finally:
        await charger.close()
    _, _, key = await create_tenant(running_app)
    async with api_client(running_app, key) as other:
        assert (await other.get(f"{API}/webhook-endpoints")).json() == []
        assert (await other.get(f"{API}/webhook-endpoints/{endpoint['id']}")).status_code == 404
        assert (await other.get(f"{API}/webhook-endpoints/{endpoint['id']}/deliveries")).status_code == 404
        assert (await other.post(f"{API}/webhook-endpoints/{endpoint['id']}/test")).status_code == 404
