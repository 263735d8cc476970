"""Live monitoring through the API: one charger now (`/charge-points/{id}/live`), and the fleet status
and a charger pushed as server-sent events that follow what the chargers do."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from tests.portal.fleet_support import charger_in, start_charging
from tests.support.chargers import RawCharger, register_charger
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


async def test_a_charger_live(running_app: RunningApp, tenant: TenantHandle) -> None:
    await tenant.api.post("/api/v1/id-tokens", json={"uid": "LIVE-1"})
    charger = await charger_in(running_app, tenant.api, "Charging")
    try:
        tx = await start_charging(charger, id_tag="LIVE-1", meter_start=1_000, register=1_750, power_w=7_200)
        live = (await tenant.api.get(f"/api/v1/charge-points/{charger.cp_id}/live")).json()
        assert (live["state"], live["connected"], live["power_w"]) == ("charging", True, 7_200)
        assert [(c["connector_id"], c["status"]) for c in live["connectors"]] == [(1, "Charging")]
        [session] = live["sessions"]
        assert (session["transaction_id"], session["energy_wh"], session["power_w"]) == (tx, 750, 7_200)
        assert [m["action"] for m in live["messages"][:3]] == ["MeterValues", "StartTransaction", "StatusNotification"]
    finally:
        await charger.close()
    offline = (await tenant.api.get(f"/api/v1/charge-points/{charger.cp_id}/live")).json()
    assert (offline["state"], offline["connected"], offline["power_w"]) == ("offline", False, 0)


async def events(response: httpx.Response) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """(event, JSON data) of each server-sent event as it arrives; comments skipped."""
    name, data = "message", ""
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data += line[6:]
        elif line == "" and data:
            yield name, json.loads(data)
            name, data = "message", ""


async def test_the_fleet_status_is_pushed_as_it_changes(running_app: RunningApp, tenant: TenantHandle) -> None:
    cp = await register_charger(tenant.api)
    async with tenant.api.stream("GET", "/api/v1/fleet/status/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = events(response)
        name, first = await asyncio.wait_for(anext(stream), 10)
        assert name == "status" and first["total"] == 1 and first["counts"]["offline"] == 1
        raw = await RawCharger.connect(running_app.ws_url, cp["identity"])
        try:
            await raw.boot()
            await raw.result("StatusNotification", {"connectorId": 1, "status": "Available", "errorCode": "NoError"})

            async def until_available() -> dict[str, Any]:
                async for _, status in stream:
                    if status["counts"]["available"] == 1:
                        return status
                raise AssertionError("the stream ended")

            status = await asyncio.wait_for(until_available(), 10)
            assert status["counts"]["offline"] == 0
        finally:
            await raw.close()


async def test_a_charger_stream_and_another_tenants_charger(running_app: RunningApp, tenant: TenantHandle,
                                                            other_tenant: TenantHandle) -> None:
    cp = await register_charger(tenant.api)
    for path in (f"/api/v1/charge-points/{cp['id']}/live", f"/api/v1/charge-points/{cp['id']}/live/events"):
        assert (await other_tenant.api.get(path)).status_code == 404
    async with tenant.api.stream("GET", f"/api/v1/charge-points/{cp['id']}/live/events") as response:
        name, first = await asyncio.wait_for(anext(events(response)), 10)
        assert name == "status" and first["identity"] == cp["identity"] and first["state"] == "offline"
