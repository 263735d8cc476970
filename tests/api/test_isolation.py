"""Tenant isolation: tenant B's key cannot read, change or command anything of tenant A's."""

from __future__ import annotations

from typing import Any

from tests.support.chargers import RawCharger, now_iso, register_charger
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


async def _tenant_a_world(running_app: RunningApp, a: TenantHandle) -> dict[str, Any]:
    site = (await a.api.post("/api/v1/sites", json={"name": "A's depot"})).json()
    cp = await register_charger(a.api, site_id=site["id"])
    token = (await a.api.post("/api/v1/id-tokens", json={"uid": "A-CARD"})).json()
    charger = await RawCharger.connect(running_app.ws_url, cp["identity"])
    await charger.boot()
    start = await charger.result("StartTransaction", {"connectorId": 1, "idTag": "A-CARD", "meterStart": 0,
                                                      "timestamp": now_iso()})
    session = (await a.api.get("/api/v1/sessions")).json()["items"][0]
    assert session["transaction_id"] == start["transactionId"]
    return {"site": site, "cp": cp, "token": token, "session": session, "charger": charger}


async def test_other_tenant_sees_and_touches_nothing(running_app: RunningApp, tenant: TenantHandle,
                                                      other_tenant: TenantHandle) -> None:
    world = await _tenant_a_world(running_app, tenant)
    b = other_tenant.api
    cp_id, token_id = world["cp"]["id"], world["token"]["id"]
    reads = [
        f"/api/v1/sites/{world['site']['id']}",
        f"/api/v1/charge-points/{cp_id}",
        f"/api/v1/charge-points/{cp_id}/messages",
        f"/api/v1/id-tokens/{token_id}",
        f"/api/v1/sessions/{world['session']['id']}",
    ]
    for path in reads:
        assert (await b.get(path)).status_code == 404, path
    for path in ["/api/v1/sites", "/api/v1/charge-points", "/api/v1/id-tokens", "/api/v1/sessions"]:
        listed = (await b.get(path)).json()
        items = listed if isinstance(listed, list) else listed["items"]
        assert items == [], path
    assert (await b.get("/api/v1/sessions", params={"charge_point_id": cp_id})).json()["items"] == []

    writes = [
        b.patch(f"/api/v1/charge-points/{cp_id}", json={"name": "mine now", "registration_status": "rejected"}),
        b.post(f"/api/v1/charge-points/{cp_id}/accept"),
        b.patch(f"/api/v1/id-tokens/{token_id}", json={"status": "blocked"}),
        b.post(f"/api/v1/charge-points/{cp_id}/commands/reset", json={"type": "Hard"}),
        b.post(f"/api/v1/charge-points/{cp_id}/commands/remote-stop-transaction",
               json={"transactionId": world["session"]["transaction_id"]}),
        b.delete(f"/api/v1/charge-points/{cp_id}"),
        b.delete(f"/api/v1/id-tokens/{token_id}"),
        b.post("/api/v1/charge-points", json={"identity": "B-IN-A-SITE", "site_id": world["site"]["id"]}),
    ]
    for request in writes:
        response = await request
        assert response.status_code == 404, (response.request.method, response.request.url, response.text)

    # Tenant A's world is untouched, and its charger is still connected and served.
    cp = (await tenant.api.get(f"/api/v1/charge-points/{cp_id}")).json()
    assert cp["name"] is None and cp["registration_status"] == "accepted" and cp["connected"] is True
    assert (await tenant.api.get(f"/api/v1/id-tokens/{token_id}")).json()["status"] == "accepted"
    assert (await world["charger"].result("Heartbeat", {}))["currentTime"]
    await world["charger"].close()


async def test_tenant_endpoint_is_the_callers_own(tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    a = (await tenant.api.get("/api/v1/tenant")).json()
    b = (await other_tenant.api.get("/api/v1/tenant")).json()
    assert a["id"] == str(tenant.id) and b["id"] == str(other_tenant.id)
    await other_tenant.api.patch("/api/v1/tenant", json={"name": "Renamed B"})
    assert (await tenant.api.get("/api/v1/tenant")).json()["name"] == a["name"]
