"""Operators manage charge points through the API."""

from __future__ import annotations

import uuid

from tests.support.chargers import RawCharger, new_identity, register_charger
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


async def test_create_read_update_delete(tenant: TenantHandle) -> None:
    identity = new_identity()
    created = await tenant.api.post("/api/v1/charge-points", json={"identity": identity, "password": "pass-word-1"})
    assert created.status_code == 201
    body = created.json()
    assert created.headers["location"] == f"/api/v1/charge-points/{body['id']}"
    assert body["identity"] == identity and body["password"] is None  # a chosen password is never echoed
    assert body["registration_status"] == "accepted" and body["connected"] is False and body["connectors"] == []

    got = (await tenant.api.get(f"/api/v1/charge-points/{body['id']}")).json()
    assert got["identity"] == identity and "password" not in got and "password_hash" not in got

    patched = await tenant.api.patch(f"/api/v1/charge-points/{body['id']}",
                                     json={"name": "Garage", "registration_status": "pending"})
    assert patched.status_code == 200 and patched.json()["name"] == "Garage"
    assert patched.json()["registration_status"] == "pending"

    deleted = await tenant.api.delete(f"/api/v1/charge-points/{body['id']}")
    assert deleted.status_code == 204
    assert (await tenant.api.get(f"/api/v1/charge-points/{body['id']}")).status_code == 404


async def test_a_generated_password_is_shown_once_and_works(running_app: RunningApp, tenant: TenantHandle) -> None:
    identity = new_identity()
    body = (await tenant.api.post("/api/v1/charge-points", json={"identity": identity})).json()
    password = body["password"]
    assert isinstance(password, str) and len(password) >= 24
    again = (await tenant.api.get(f"/api/v1/charge-points/{body['id']}")).json()
    assert "password" not in again
    charger = await RawCharger.connect(running_app.ws_url, identity, password)
    assert (await charger.boot())["status"] == "Accepted"
    await charger.close()


async def test_identity_and_password_rules(tenant: TenantHandle) -> None:
    for identity in ["x" * 49, "has:colon", "has space", "slash/inside", ""]:
        response = await tenant.api.post("/api/v1/charge-points",
                                         json={"identity": identity, "password": "long-enough"})
        assert response.status_code == 422, identity
    short = await tenant.api.post("/api/v1/charge-points", json={"identity": new_identity(), "password": "short"})
    assert short.status_code == 422
    unknown_field = await tenant.api.post("/api/v1/charge-points",
                                          json={"identity": new_identity(), "tenant_id": str(uuid.uuid4())})
    assert unknown_field.status_code == 422
    ok = await tenant.api.post("/api/v1/charge-points", json={"identity": "A" * 48, "password": "long-enough"})
    assert ok.status_code == 201


async def test_identity_is_unique_across_the_installation(tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    identity = new_identity()
    await register_charger(tenant.api, identity)
    same_tenant = await tenant.api.post("/api/v1/charge-points", json={"identity": identity, "password": "long-enough"})
    other = await other_tenant.api.post("/api/v1/charge-points", json={"identity": identity, "password": "long-enough"})
    assert same_tenant.status_code == 409 and other.status_code == 409


async def test_list_filters_and_pages(tenant: TenantHandle) -> None:
    site = (await tenant.api.post("/api/v1/sites", json={"name": "Depot"})).json()
    ids = [(await register_charger(tenant.api, site_id=site["id"]))["id"] for _ in range(5)]
    await register_charger(tenant.api, registration_status="pending")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, "site_id": site["id"], **({"cursor": cursor} if cursor else {})}
        page = (await tenant.api.get("/api/v1/charge-points", params=params)).json()
        seen += [cp["id"] for cp in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    pending = (await tenant.api.get("/api/v1/charge-points", params={"registration_status": "pending"})).json()
    assert len(pending["items"]) == 1
    unknown_site = await tenant.api.post("/api/v1/charge-points",
                                         json={"identity": new_identity(), "site_id": str(uuid.uuid4())})
    assert unknown_site.status_code == 404


async def test_connected_and_connectors_come_from_the_charger(running_app: RunningApp, tenant: TenantHandle) -> None:
    cp = await register_charger(tenant.api)
    charger = await RawCharger.connect(running_app.ws_url, cp["identity"])
    await charger.boot()
    await charger.result("StatusNotification", {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted"})
    got = (await tenant.api.get(f"/api/v1/charge-points/{cp['id']}")).json()
    assert got["connected"] is True and got["boot_status"] == "Accepted" and got["vendor"] == "TestVendor"
    assert got["last_seen_at"] is not None
    connectors = [(c["connector_id"], c["status"], c["error_code"]) for c in got["connectors"]]
    assert connectors == [(1, "Faulted", "GroundFailure")]
    await charger.close()


async def test_recent_messages_show_the_wire(running_app: RunningApp, tenant: TenantHandle) -> None:
    cp = await register_charger(tenant.api)
    charger = await RawCharger.connect(running_app.ws_url, cp["identity"])
    await charger.boot()
    await charger.send_raw("not json")
    await charger.recv()
    messages = (await tenant.api.get(f"/api/v1/charge-points/{cp['id']}/messages")).json()
    await charger.close()
    assert [m["outcome"] for m in messages] == ["CallError", "CallResult"]
    assert messages[0]["request"] == "not json"
    assert messages[1]["action"] == "BootNotification" and '"status":"Accepted"' in messages[1]["response"]
