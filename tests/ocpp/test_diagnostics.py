"""Diagnostics: GetDiagnostics with an upload address of ours, the charger's progress, the upload
itself over HTTP (PUT, raw POST, multipart POST), download by the operator; one upload per address,
a size limit, and no other tenant."""

from __future__ import annotations

import hashlib
import os
from urllib.parse import urlsplit

import httpx
from ocpp.v16 import call

from tests.ocpp.conftest import AppFactory, Fleet
from tests.support.chargers import OcppCharger, register_charger
from tests.support.tenants import TenantHandle, api_client, create_tenant

API = "/api/v1"


async def _ask(tenant: TenantHandle, charger: OcppCharger, **body: object) -> tuple[dict[str, object], str]:
    made = await tenant.api.post(f"{API}/charge-points/{charger.cp_id}/diagnostics", json=body or None)
    assert made.status_code == 201, made.text
    action, payload = await charger.next_call()
    assert action == "GetDiagnostics"
    return made.json(), payload["location"]


async def test_logs_are_requested_uploaded_and_downloaded(fleet: Fleet, tenant: TenantHandle,
                                                          other_tenant: TenantHandle) -> None:
    charger = await fleet.ocpp()
    request, location = await _ask(tenant, charger, start_time="2026-11-20T00:00:00Z", retries=2)
    assert request["status"] == "accepted" and request["charger_file_name"] == "diag-20261122.tar.gz"
    assert location.startswith(f"{fleet.app.settings.base_url}/api/v1/diagnostics/uploads/cpd_")
    # The secret is in the address only: the audit log and the message log keep it out.
    audit = (await tenant.api.get(f"{API}/audit-log", params={"action": "command.get-diagnostics"})).json()
    assert audit["items"] and location.rsplit("/", 1)[1] not in str(audit)
    logged = (await tenant.api.get(f"{API}/charge-points/{charger.cp_id}/messages")).json()
    assert "GetDiagnostics" in str(logged) and location.rsplit("/", 1)[1] not in str(logged)

    await charger.call(call.DiagnosticsStatusNotification(status="Uploading"), suppress=False)
    assert (await tenant.api.get(f"{API}/diagnostics/{request['id']}")).json()["status"] == "uploading"

    content = os.urandom(70_000)
    async with httpx.AsyncClient(base_url=fleet.app.http_url, timeout=30) as uploader:
        path = urlsplit(location).path
        put = await uploader.put(f"{path}/diag-20261122.tar.gz", content=content,
                                 headers={"Content-Type": "application/gzip"})
        assert put.status_code == 201 and put.json()["sha256"] == hashlib.sha256(content).hexdigest()
        again = await uploader.put(path, content=b"more")
        assert again.status_code == 410
    await charger.call(call.DiagnosticsStatusNotification(status="Uploaded"), suppress=False)

    done = (await tenant.api.get(f"{API}/diagnostics/{request['id']}")).json()
    assert done["status"] == "uploaded" and done["size"] == len(content)
    assert done["file_name"] == "diag-20261122.tar.gz" and done["content_type"] == "application/gzip"
    file = await tenant.api.get(done["download_url"])
    assert file.status_code == 200 and file.content == content
    assert 'filename="diag-20261122.tar.gz"' in file.headers["content-disposition"]
    assert (await other_tenant.api.get(done["download_url"])).status_code == 404
    assert (await other_tenant.api.get(f"{API}/diagnostics")).json()["items"] == []


async def test_multipart_and_raw_posts_are_taken_too(fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.ocpp()
    _, first = await _ask(tenant, charger)
    _, second = await _ask(tenant, charger)
    async with httpx.AsyncClient(base_url=fleet.app.http_url, timeout=30) as uploader:
        form = await uploader.post(urlsplit(first).path, files={"file": ("log.txt", b"line 1\n", "text/plain")})
        assert form.status_code == 201
        raw = await uploader.post(urlsplit(second).path, content=b"raw bytes")
        assert raw.status_code == 201
    listed = (await tenant.api.get(f"{API}/diagnostics", params={"charge_point_id": charger.cp_id})).json()["items"]
    assert sorted((r["file_name"], r["size"]) for r in listed) == sorted(
        [("log.txt", 7), ("diag-20261122.tar.gz", 9)])
    assert (await uploader_get(fleet, "/api/v1/diagnostics/uploads/cpd_unknown")).status_code in (404, 405)


async def uploader_get(fleet: Fleet, path: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=fleet.app.http_url, timeout=30) as client:
        return await client.put(path, content=b"x")


async def test_a_charger_that_is_not_there_and_a_file_too_large(app_with: AppFactory) -> None:
    app = app_with(diagnostics_max_bytes=1000)
    tenant_id, _, key = await create_tenant(app)
    async with api_client(app, key) as api:
        offline = await register_charger(api)
        missing = await api.post(f"{API}/charge-points/{offline['id']}/diagnostics")
        assert missing.status_code == 409
        failed = (await api.get(f"{API}/diagnostics")).json()["items"][0]
        assert failed["status"] == "failed" and failed["failure"].startswith("ChargerNotConnected")
        cp = await register_charger(api)
        charger = await OcppCharger.connect(app.ws_url, cp["identity"])
        try:
            await charger.boot()
            charger.cp_id = cp["id"]
            made = await api.post(f"{API}/charge-points/{cp['id']}/diagnostics")
            _, payload = await charger.next_call()
            async with httpx.AsyncClient(base_url=app.http_url, timeout=30) as uploader:
                big = await uploader.put(urlsplit(payload["location"]).path, content=b"x" * 1001)
                assert big.status_code == 413
                fits = await uploader.put(urlsplit(payload["location"]).path, content=b"x" * 1000)
                assert fits.status_code == 201
            assert (await api.get(f"{API}/diagnostics/{made.json()['id']}")).json()["size"] == 1000
        finally:
            await charger.close()
    del tenant_id
