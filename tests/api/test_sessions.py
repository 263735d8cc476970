"""Operators read sessions: filters, pages, detail with meter values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.chargers import RawCharger, register_charger
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


async def test_filters_pages_and_detail(running_app: RunningApp, tenant: TenantHandle) -> None:
    await tenant.api.post("/api/v1/id-tokens", json={"uid": "DRIVER1"})
    await tenant.api.post("/api/v1/id-tokens", json={"uid": "DRIVER2"})
    cp1, cp2 = await register_charger(tenant.api), await register_charger(tenant.api)
    c1 = await RawCharger.connect(running_app.ws_url, cp1["identity"])
    c2 = await RawCharger.connect(running_app.ws_url, cp2["identity"])
    await c1.boot()
    await c2.boot()
    base = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    for day in range(3):
        t0 = base + timedelta(days=day)
        start = await c1.result("StartTransaction", {"connectorId": 1, "idTag": "DRIVER1", "meterStart": 1000 * day,
                                                     "timestamp": iso(t0)})
        tid = start["transactionId"]
        await c1.result("MeterValues", {"connectorId": 1, "transactionId": tid, "meterValue": [
            {"timestamp": iso(t0 + timedelta(minutes=30)), "sampledValue": [
                {"value": str(1000 * day + 400), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW"},
            ]}]})
        await c1.result("StopTransaction", {"transactionId": tid, "meterStop": 1000 * day + 900,
                                             "timestamp": iso(t0 + timedelta(hours=1))})
    await c2.result("StartTransaction", {"connectorId": 2, "idTag": "driver2", "meterStart": 50,
                                         "timestamp": iso(base)})

    everything = (await tenant.api.get("/api/v1/sessions")).json()["items"]
    assert len(everything) == 4
    on_cp1 = (await tenant.api.get("/api/v1/sessions", params={"charge_point_id": cp1["id"]})).json()["items"]
    assert len(on_cp1) == 3 and all(s["energy_wh"] == 900 and s["state"] == "completed" for s in on_cp1)
    active = (await tenant.api.get("/api/v1/sessions", params={"state": "active"})).json()["items"]
    assert [s["id_tag"] for s in active] == ["driver2"]
    by_tag = (await tenant.api.get("/api/v1/sessions", params={"id_tag": "DRIVER2"})).json()["items"]
    assert [s["id"] for s in by_tag] == [active[0]["id"]]
    window = (await tenant.api.get("/api/v1/sessions", params={
        "started_from": iso(base + timedelta(days=1)), "started_to": iso(base + timedelta(days=2))})).json()["items"]
    assert [s["meter_start_wh"] for s in window] == [1000]

    first = (await tenant.api.get("/api/v1/sessions", params={"limit": 3})).json()
    second = (await tenant.api.get("/api/v1/sessions", params={"limit": 3, "cursor": first["next_cursor"]})).json()
    assert len(first["items"]) == 3 and len(second["items"]) == 1 and second["next_cursor"] is None

    detail = (await tenant.api.get(f"/api/v1/sessions/{window[0]['id']}")).json()
    assert detail["transaction_id"] == window[0]["transaction_id"]
    assert detail["meter_start_wh"] == 1000 and detail["meter_stop_wh"] == 1900 and detail["energy_wh"] == 900
    assert detail["started_at"] == "2026-03-02T08:00:00Z" and detail["stopped_at"] == "2026-03-02T09:00:00Z"
    assert detail["start_received_at"] is not None and detail["status"] == "normal"
    assert detail["stop_reason"] == "Local"
    assert [(v["measurand"], v["value"], v["unit"]) for v in detail["meter_values"]] == [
        ("Energy.Active.Import.Register", "1400", "Wh"), ("Power.Active.Import", "7.2", "kW")]
    await c1.close()
    await c2.close()


async def test_running_session_shows_energy_so_far(running_app: RunningApp, tenant: TenantHandle) -> None:
    await tenant.api.post("/api/v1/id-tokens", json={"uid": "LIVE"})
    cp = await register_charger(tenant.api)
    charger = await RawCharger.connect(running_app.ws_url, cp["identity"])
    await charger.boot()
    t0 = datetime.now(UTC)
    tid = (await charger.result("StartTransaction", {"connectorId": 1, "idTag": "LIVE", "meterStart": 5000,
                                                     "timestamp": iso(t0)}))["transactionId"]
    await charger.result("MeterValues", {"connectorId": 1, "transactionId": tid, "meterValue": [
        {"timestamp": iso(t0 + timedelta(minutes=5)), "sampledValue": [{"value": "5.75", "unit": "kWh"}]}]})
    session = (await tenant.api.get("/api/v1/sessions", params={"state": "active"})).json()["items"][0]
    assert session["energy_wh"] == 750
    await charger.close()
