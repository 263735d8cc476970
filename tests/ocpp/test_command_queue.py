"""Commands for a charger that is offline: refused at once by default, or queued (checked now) and
delivered in order when it reconnects, with the answer recorded; expiry, cancel, at most once."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.ocpp.conftest import Fleet
from tests.ocpp.helpers import eventually
from tests.support.chargers import OcppCharger
from tests.support.tenants import TenantHandle

API = "/api/v1"


async def _queue(api: httpx.AsyncClient, cp_id: str, action: str, payload: dict[str, Any],
                 **params: Any) -> httpx.Response:
    return await api.post(f"{API}/charge-points/{cp_id}/commands/{action}", json=payload,
                          params={"when_offline": "queue", **params})


async def test_queued_commands_reach_the_charger_when_it_returns(fleet: Fleet, tenant: TenantHandle) -> None:
    cp = await fleet.register()
    refused = await tenant.api.post(f"{API}/charge-points/{cp['id']}/commands/reset", json={"type": "Soft"})
    assert refused.status_code == 409  # the default: refuse at once
    first = await _queue(tenant.api, cp["id"], "change-configuration", {"key": "HeartbeatInterval", "value": "60"})
    assert first.status_code == 202, first.text
    assert first.headers["location"] == f"{API}/queued-commands/{first.json()['id']}"
    second = await _queue(tenant.api, cp["id"], "reset", {"type": "Soft"})
    withdrawn = await _queue(tenant.api, cp["id"], "clear-cache", {})
    assert (await tenant.api.delete(f"{API}/queued-commands/{withdrawn.json()['id']}")).json()["status"] == \
        "cancelled"
    bad = await _queue(tenant.api, cp["id"], "reset", {"type": "Sideways"})
    assert bad.status_code == 422  # checked against the schema now, not when it is too late to say
    listed = (await tenant.api.get(f"{API}/charge-points/{cp['id']}/queued-commands")).json()["items"]
    assert sorted(c["status"] for c in listed) == ["cancelled", "queued", "queued"]

    charger = await OcppCharger.connect(fleet.app.ws_url, cp["identity"])
    charger.cp_id = cp["id"]
    fleet.track(charger)
    await charger.boot()
    assert await charger.next_call(timeout=15) == ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "60"})
    assert await charger.next_call() == ("Reset", {"type": "Soft"})

    async def answered(command_id: str) -> dict[str, Any] | None:
        command: dict[str, Any] = (await tenant.api.get(f"{API}/queued-commands/{command_id}")).json()
        return command if command["status"] == "answered" else None

    done = await eventually(lambda: answered(first.json()["id"]), timeout=10)
    assert done["answer"] == {"status": "RebootRequired"} and done["sent_at"] is not None
    assert (await eventually(lambda: answered(second.json()["id"]), timeout=10))["answer"] == {"status": "Accepted"}
    assert charger.calls.empty()  # the cancelled one never left
    # Sent once: a second connection does not send them again.
    assert (await tenant.api.delete(f"{API}/queued-commands/{second.json()['id']}")).status_code == 409
    audit = (await tenant.api.get(f"{API}/audit-log", params={"action": "command.reset"})).json()["items"]
    assert len(audit) == 2  # the refused attempt and the queued one, not the delivery (nor the invalid one)


async def test_a_queued_command_expires(fleet: Fleet, tenant: TenantHandle) -> None:
    cp = await fleet.register()
    queued = await _queue(tenant.api, cp["id"], "reset", {"type": "Hard"}, expires_in=1)
    assert queued.status_code == 202
    too_long = await _queue(tenant.api, cp["id"], "reset", {"type": "Hard"}, expires_in=8 * 24 * 3600)
    assert too_long.status_code == 422
    await asyncio.sleep(1.5)
    charger = await OcppCharger.connect(fleet.app.ws_url, cp["identity"])
    fleet.track(charger)
    await charger.boot()

    async def expired() -> bool | None:
        command = (await tenant.api.get(f"{API}/queued-commands/{queued.json()['id']}")).json()
        return True if command["status"] == "expired" else None

    assert await eventually(expired, timeout=10)
    assert charger.calls.empty()


async def test_queued_commands_of_another_tenant_are_out_of_reach(fleet: Fleet, tenant: TenantHandle,
                                                                  other_tenant: TenantHandle) -> None:
    cp = await fleet.register()
    queued = (await _queue(tenant.api, cp["id"], "reset", {"type": "Soft"})).json()
    assert (await other_tenant.api.get(f"{API}/queued-commands/{queued['id']}")).status_code == 404
    assert (await other_tenant.api.delete(f"{API}/queued-commands/{queued['id']}")).status_code == 404
    assert (await _queue(other_tenant.api, cp["id"], "reset", {"type": "Soft"})).status_code == 404
