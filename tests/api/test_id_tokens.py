"""Operators manage id tokens (RFID cards) through the API."""

from __future__ import annotations

from tests.support.tenants import TenantHandle


async def test_create_read_update_delete(tenant: TenantHandle) -> None:
    created = await tenant.api.post("/api/v1/id-tokens", json={"uid": "04A1B2C3", "parent_uid": "FLEET1",
                                                              "expires_at": "2030-01-01T00:00:00+02:00"})
    assert created.status_code == 201
    token = created.json()
    assert token["status"] == "accepted" and token["parent_uid"] == "FLEET1"
    assert token["expires_at"] == "2029-12-31T22:00:00Z"
    assert created.headers["location"] == f"/api/v1/id-tokens/{token['id']}"

    patched = await tenant.api.patch(f"/api/v1/id-tokens/{token['id']}", json={"status": "blocked"})
    assert patched.status_code == 200 and patched.json()["status"] == "blocked"
    assert (await tenant.api.get(f"/api/v1/id-tokens/{token['id']}")).json()["status"] == "blocked"

    assert (await tenant.api.delete(f"/api/v1/id-tokens/{token['id']}")).status_code == 204
    assert (await tenant.api.get(f"/api/v1/id-tokens/{token['id']}")).status_code == 404


async def test_uid_is_unique_without_regard_to_case(tenant: TenantHandle) -> None:
    assert (await tenant.api.post("/api/v1/id-tokens", json={"uid": "abc123"})).status_code == 201
    again = await tenant.api.post("/api/v1/id-tokens", json={"uid": "ABC123"})
    assert again.status_code == 409 and again.json()["field"] == "uid"
    found = (await tenant.api.get("/api/v1/id-tokens", params={"uid": "AbC123"})).json()["items"]
    assert [t["uid"] for t in found] == ["abc123"]


async def test_validation(tenant: TenantHandle) -> None:
    bad = [
        {"uid": "x" * 21},
        {"uid": ""},
        {"uid": "OK", "status": "stolen"},
        {"uid": "OK", "expires_at": "2030-01-01T00:00:00"},  # no time zone
        {"uid": "OK", "parent_uid": "y" * 21},
    ]
    for body in bad:
        response = await tenant.api.post("/api/v1/id-tokens", json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"]


async def test_list_filters_and_pages(tenant: TenantHandle) -> None:
    for i in range(5):
        status = "blocked" if i % 2 else "accepted"
        await tenant.api.post("/api/v1/id-tokens", json={"uid": f"CARD{i}", "status": status})
    blocked = (await tenant.api.get("/api/v1/id-tokens", params={"status": "blocked"})).json()["items"]
    assert sorted(t["uid"] for t in blocked) == ["CARD1", "CARD3"]
    first = (await tenant.api.get("/api/v1/id-tokens", params={"limit": 3})).json()
    second = (await tenant.api.get("/api/v1/id-tokens", params={"limit": 3, "cursor": first["next_cursor"]})).json()
    assert len(first["items"]) == 3 and len(second["items"]) == 2 and second["next_cursor"] is None
    assert {t["uid"] for t in first["items"] + second["items"]} == {f"CARD{i}" for i in range(5)}
