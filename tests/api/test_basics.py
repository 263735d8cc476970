"""Health, OpenAPI, authentication and the shape of errors."""

from __future__ import annotations

import httpx

from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle, api_client

PROBLEM = "application/problem+json"


async def test_health_answers_when_the_database_does(running_app: RunningApp) -> None:
    async with api_client(running_app, None) as anonymous:
        response = await anonymous.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_openapi_and_docs_are_served(running_app: RunningApp) -> None:
    async with api_client(running_app, None) as anonymous:
        spec = (await anonymous.get("/api/v1/openapi.json")).json()
        docs = await anonymous.get("/api/v1/docs")
    assert spec["openapi"].startswith("3.")
    operation_ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {"create_charge_point", "list_sessions", "send_command", "create_id_token"} <= operation_ids
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_api_needs_a_valid_key(running_app: RunningApp) -> None:
    async with api_client(running_app, None) as anonymous:
        missing = await anonymous.get("/api/v1/charge-points")
    async with api_client(running_app, "cpk_000000000000_not-a-real-key") as wrong:
        invalid = await wrong.get("/api/v1/charge-points")
    async with api_client(running_app, "garbage") as garbage:
        malformed = await garbage.get("/api/v1/charge-points")
    for response in (missing, invalid, malformed):
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["status"] == 401


async def test_errors_are_problem_details(tenant: TenantHandle) -> None:
    cases: list[tuple[httpx.Response, int]] = [
        (await tenant.api.get("/api/v1/no-such-thing"), 404),
        (await tenant.api.put("/api/v1/charge-points"), 405),
        (await tenant.api.get("/api/v1/charge-points/not-a-uuid"), 422),
        (await tenant.api.post("/api/v1/charge-points", content=b"{not json",
                               headers={"content-type": "application/json"}), 422),
        (await tenant.api.post("/api/v1/charge-points", json=["a list"]), 422),
        (await tenant.api.get("/api/v1/sessions", params={"limit": 0}), 422),
        (await tenant.api.get("/api/v1/sessions", params={"cursor": "!!!"}), 422),
        (await tenant.api.get("/api/v1/sessions", params={"started_from": "2026-01-01T00:00:00"}), 422),
    ]
    for response, status in cases:
        assert response.status_code == status, (response.request.url, response.text)
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert body["status"] == status and body["type"].startswith("https://") and body["title"]


async def test_values_the_database_cannot_hold_are_refused_not_500(tenant: TenantHandle) -> None:
    """A NUL character (PostgreSQL cannot store one) anywhere a string is taken gets a 4xx problem."""
    attempts = [
        ("POST", "/api/v1/sites", {"name": "a\x00b"}),
        ("POST", "/api/v1/charge-points", {"identity": "CP-NUL", "name": "a\x00b"}),
        ("POST", "/api/v1/id-tokens", {"uid": "NUL\x00TAG"}),
        ("GET", "/api/v1/id-tokens?uid=A%00B", None),
        ("GET", "/api/v1/charge-points?identity=A%00B", None),
    ]
    for method, path, body in attempts:
        response = await tenant.api.request(method, path, json=body)
        assert response.status_code < 500, (path, response.status_code, response.text)
        if response.status_code >= 400:
            assert response.headers["content-type"] == PROBLEM
