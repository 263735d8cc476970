"""The audit log: what is recorded (settings before/after, commands, role changes), secrets redacted,
who may read it, newest first, filtered and paged."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tests.organisation.conftest import World, items
from tests.support.chargers import RawCharger, register_charger


async def test_charge_point_changes_are_logged_with_secrets_redacted(world: World) -> None:
    api = world.tenant.api
    cp = await register_charger(api, name="Gate 1")
    await api.patch(f"/api/v1/charge-points/{cp['id']}", json={"password": "a-brand-new-secret", "name": "Gate 2"})
    await api.delete(f"/api/v1/charge-points/{cp['id']}")
    log = items(await api.get("/api/v1/audit-log", params={"object_id": cp["id"]}))
    assert [e["action"] for e in log] == ["charge_point.delete", "charge_point.update", "charge_point.create"]
    update = log[1]
    assert update["before"] == {"name": "Gate 1", "password_hash": "[redacted]"}
    assert update["after"] == {"name": "Gate 2", "password_hash": "[redacted]"}
    assert "a-brand-new-secret" not in str(log) and "argon2" not in str(log)
    assert log[2]["after"]["identity"] == cp["identity"] and log[2]["after"]["password_hash"] == "[redacted]"
    assert update["actor_type"] == "api_key" and update["actor_label"] == "test"
    assert update["source_address"] == "127.0.0.1" and update["object_type"] == "charge_point"


async def test_remote_commands_are_audited_whatever_the_charger_answers(world: World) -> None:
    api = world.tenant.api
    cp = await register_charger(api)
    offline = await api.post(f"/api/v1/charge-points/{cp['id']}/commands/change-configuration",
                             json={"key": "AuthorizationKey", "value": "0011223344556677"}, params={"timeout": 1})
    assert offline.status_code == 409, offline.text  # not connected: refused, and still on record
    charger = await RawCharger.connect(world.running.ws_url, cp["identity"])
    try:
        await charger.boot()
        reset = world.api("x_admin")  # not X's charger: invisible, and nothing is logged
        assert (await reset.post(f"/api/v1/charge-points/{cp['id']}/commands/reset",
                                 json={"type": "Soft"})).status_code == 404
        task = asyncio.ensure_future(api.post(f"/api/v1/charge-points/{cp['id']}/commands/change-configuration",
                                              json={"key": "HeartbeatInterval", "value": "300"}))
        call = await charger.next_call()
        assert call[2] == "ChangeConfiguration"
        await charger.reply(call[1], {"status": "Accepted"})
        assert (await task).status_code == 200
    finally:
        await charger.close()
    log = items(await api.get("/api/v1/audit-log", params={"object_id": cp["id"],
                                                            "action": "command.change-configuration"}))
    assert [e["after"] for e in log] == [{"key": "HeartbeatInterval", "value": "300"},
                                         {"key": "AuthorizationKey", "value": "[redacted]"}]
    assert all(e["object_type"] == "charge_point" for e in log)
    assert not items(await api.get("/api/v1/audit-log", params={"action": "command.reset"}))


async def test_only_tenant_admins_read_the_log_which_filters_and_pages(world: World) -> None:
    for who in ("support", "x_admin", "x_member", "x_driver"):
        assert (await world.api(who).get("/api/v1/audit-log")).status_code == 403, who
    api = world.tenant.api
    started = datetime.now(UTC) - timedelta(seconds=1)
    for n in range(5):
        await api.post("/api/v1/sites", json={"name": f"Site {n}"})
    await world.api("x_admin").post("/api/v1/sites", json={"name": "X depot", "account_id": str(world.x)})
    sites = items(await api.get("/api/v1/audit-log", params={"object_type": "site", "limit": 500}))
    assert [e["after"]["name"] for e in sites] == ["X depot"] + [f"Site {n}" for n in range(4, -1, -1)]
    by_admin = items(await api.get("/api/v1/audit-log",
                                   params={"actor_id": str(world.people["x_admin"].user_id)}))
    assert [e["after"]["name"] for e in by_admin] == ["X depot"] and by_admin[0]["account_id"] == str(world.x)
    pages, cursor = [], None
    while True:
        params = {"object_type": "site", "limit": 2, "from": started.isoformat()}
        if cursor:
            params["cursor"] = cursor
        page = (await api.get("/api/v1/audit-log", params=params)).json()
        pages.append([e["id"] for e in page["items"]])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [i for p in pages for i in p] == [e["id"] for e in sites] and len(pages[0]) == 2
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert items(await api.get("/api/v1/audit-log", params={"from": future})) == []
    assert items(await api.get("/api/v1/audit-log", params={"to": started.isoformat(), "object_type": "site"})) == []
    for bad in ({"cursor": "!!"}, {"from": "yesterday"}, {"to": "2026-01-01T00:00:00"}, {"actor_id": "me"}):
        assert (await api.get("/api/v1/audit-log", params=bad)).status_code == 422, bad
