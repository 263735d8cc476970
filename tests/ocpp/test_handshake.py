"""The WebSocket handshake under security profile 1: Basic auth before the upgrade, rate-limited failures,
a second connection that replaces the live one only with the right password, auto-registration through a
tenant's own URL, identity rules, the OCPP subprotocol, and no secret in any log."""

from __future__ import annotations

import asyncio
import base64
import logging
from typing import Any
from urllib.parse import quote

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from chargeplane.domain.assets.events import ChargePointConnected
from tests.ocpp.conftest import AppFactory, Fleet, tenant_of
from tests.ocpp.helpers import API, command, eventually, get_charge_point
from tests.support.chargers import DEFAULT_PASSWORD, RawCharger, basic_auth, new_identity, open_socket
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


async def refused(url: str, identity: str, password: str | None = DEFAULT_PASSWORD, *,
                  headers: dict[str, str] | None = None, path: str | None = None) -> tuple[int, Any]:
    """Try to connect; return the HTTP status and headers the handshake was refused with."""
    if headers is None:
        headers = basic_auth(identity, password) if password is not None else {}
    with pytest.raises(InvalidStatus) as refusal:
        await websockets.connect(f"{url}/{path or identity}", subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                                 additional_headers=headers, open_timeout=10)
    return refusal.value.response.status_code, refusal.value.response.headers


async def test_the_right_password_opens_the_socket_with_the_ocpp16_subprotocol(running_app: RunningApp,
                                                                               fleet: Fleet) -> None:
    cp = await fleet.register()
    ws = await open_socket(running_app.ws_url, cp["identity"], subprotocols=["ocpp2.0.1", "ocpp1.6"])
    fleet.track(RawCharger(ws))
    assert ws.subprotocol == "ocpp1.6"


async def test_who_is_refused_and_how(running_app: RunningApp, fleet: Fleet) -> None:
    url = running_app.ws_url
    cp = await fleet.register()
    other = await fleet.register()
    assert (await refused(url, new_identity()))[0] == 404  # nobody registered it
    assert (await refused(url, new_identity(), None))[0] == 404
    status, headers = await refused(url, cp["identity"], "wrong-password-1")
    assert status == 401
    assert headers["www-authenticate"].lower().startswith("basic")
    assert (await refused(url, cp["identity"], None))[0] == 401  # no Authorization header
    assert (await refused(url, cp["identity"], headers={"Authorization": "Bearer " + DEFAULT_PASSWORD}))[0] == 401
    assert (await refused(url, cp["identity"], headers={"Authorization": "Basic !!not-base64!!"}))[0] == 401
    # Another charger's name and password do not open this charger's URL.
    assert (await refused(url, cp["identity"], headers=basic_auth(other["identity"], DEFAULT_PASSWORD)))[0] == 401


async def test_a_password_may_hold_colons(running_app: RunningApp, fleet: Fleet) -> None:
    """Basic auth splits user and password at the first ':'; the identity has none, the password may."""
    cp = await fleet.register(password="pa:ss:wo:rd")
    charger = await RawCharger.connect(running_app.ws_url, cp["identity"], password="pa:ss:wo:rd")
    fleet.track(charger)
    assert (await charger.boot())["status"] == "Accepted"


async def test_identity_rules(running_app: RunningApp, fleet: Fleet, tenant: TenantHandle) -> None:
    longest = "A" * 47 + "Z"
    cp = await fleet.register(identity=longest)
    charger = await RawCharger.connect(running_app.ws_url, longest)
    fleet.track(charger)
    assert (await charger.boot())["status"] == "Accepted"
    # Every character an identity may hold, percent-encoded in the URL as a client would.
    special = "A*-_=+|@.Z"
    await fleet.register(identity=special)
    charger = await RawCharger.connect(running_app.ws_url, special, path=quote(special, safe=""))
    fleet.track(charger)
    assert (await charger.boot())["status"] == "Accepted"
    for identity in ["A" * 49, "has:colon"]:
        response = await tenant.api.post(f"{API}/charge-points", json={"identity": identity,
                                                                       "password": DEFAULT_PASSWORD})
        assert response.status_code == 422, identity
    assert (await refused(running_app.ws_url, "A" * 49))[0] == 404
    assert (await refused(running_app.ws_url, "x", path="has%3Acolon"))[0] == 404
    # Unique across the installation: the same identity cannot be registered twice.
    assert (await tenant.api.post(f"{API}/charge-points", json={"identity": longest,
                                                                "password": DEFAULT_PASSWORD})).status_code == 409
    assert (await get_charge_point(tenant.api, cp["id"]))["identity"] == longest


@pytest.mark.parametrize("offered", [None, ["ocpp2.0.1"], ["chat"]])
async def test_without_the_ocpp16_subprotocol_the_server_closes_the_socket(
        running_app: RunningApp, fleet: Fleet, offered: list[str] | None) -> None:
    cp = await fleet.register()
    ws = await websockets.connect(f"{running_app.ws_url}/{cp['identity']}",
                                  subprotocols=offered,  # type: ignore[arg-type]
                                  additional_headers=basic_auth(cp["identity"], DEFAULT_PASSWORD), open_timeout=10)
    with pytest.raises(ConnectionClosed):
        await ws.recv()
    assert ws.close_code == 1002
    assert ws.subprotocol is None


async def test_failed_handshakes_are_rate_limited_per_identity(app_with: AppFactory) -> None:
    app = app_with(ocpp_auth_failure_limit=3)
    tenant = await tenant_of(app)
    try:
        target = (await tenant.api.post(f"{API}/charge-points", json={"identity": new_identity(),
                                                                       "password": DEFAULT_PASSWORD})).json()
        bystander = (await tenant.api.post(f"{API}/charge-points", json={"identity": new_identity(),
                                                                          "password": DEFAULT_PASSWORD})).json()
        for _ in range(3):
            assert (await refused(app.ws_url, target["identity"], "guess-password"))[0] == 401
        status, headers = await refused(app.ws_url, target["identity"], "guess-password")
        assert status == 429
        assert "retry-after" in headers
        # Blocked even with the right password now: a guesser cannot tell a hit.
        assert (await refused(app.ws_url, target["identity"]))[0] == 429
        # Another charger behind the same address is not punished for it.
        charger = await RawCharger.connect(app.ws_url, bystander["identity"])
        assert (await charger.boot())["status"] == "Accepted"
        await charger.close()
    finally:
        await tenant.api.aclose()


async def test_failed_handshakes_are_rate_limited_per_address(app_with: AppFactory) -> None:
    app = app_with(ocpp_auth_failure_limit=2)  # 20 failures per address
    tenant = await tenant_of(app)
    try:
        cp = (await tenant.api.post(f"{API}/charge-points", json={"identity": new_identity(),
                                                                   "password": DEFAULT_PASSWORD})).json()
        statuses = [(await refused(app.ws_url, new_identity()))[0] for _ in range(25)]  # scanning identities
        assert statuses[:20] == [404] * 20
        assert set(statuses[20:]) == {429}
        assert (await refused(app.ws_url, cp["identity"]))[0] == 429
    finally:
        await tenant.api.aclose()


@pytest.fixture
def connected_events(running_app: RunningApp) -> list[ChargePointConnected]:
    """ChargePointConnected events the app publishes (its bus runs in this process)."""
    events: list[ChargePointConnected] = []
    running_app.app.bus.subscribe(ChargePointConnected, events.append)
    return events


async def test_a_second_connection_with_the_right_password_replaces_the_live_one(
        running_app: RunningApp, fleet: Fleet, tenant: TenantHandle,
        connected_events: list[ChargePointConnected]) -> None:
    old = await fleet.raw()
    new = await RawCharger.connect(running_app.ws_url, old.identity)
    fleet.track(new)
    assert await old.closed_code() == 4000
    assert "currentTime" in await new.result("Heartbeat", {})
    assert (await get_charge_point(tenant.api, old.cp_id))["connected"] is True
    assert [e.replaced_connection for e in connected_events if e.identity == old.identity] == [False, True]
    # Commands go to the new socket.
    task = asyncio.create_task(command(tenant.api, old.cp_id, "clear-cache", {}))
    sent = await new.next_call()
    await new.reply(sent[1], {"status": "Accepted"})
    assert (await task).status_code == 200


async def test_a_failed_second_connection_never_disturbs_the_live_one(running_app: RunningApp, fleet: Fleet,
                                                                      tenant: TenantHandle) -> None:
    live = await fleet.raw()
    for password in ["wrong-password-1", None]:
        assert (await refused(running_app.ws_url, live.identity, password))[0] == 401
    assert "currentTime" in await live.result("Heartbeat", {})
    assert (await get_charge_point(tenant.api, live.cp_id))["connected"] is True


async def test_the_old_connection_closing_late_does_not_unregister_its_successor(
        running_app: RunningApp, fleet: Fleet, tenant: TenantHandle) -> None:
    first = await fleet.raw()
    second = await RawCharger.connect(running_app.ws_url, first.identity)
    fleet.track(second)
    await first.closed_code()
    await first.close()
    assert "currentTime" in await second.result("Heartbeat", {})
    assert (await get_charge_point(tenant.api, first.cp_id))["connected"] is True
    await second.close()

    async def disconnected() -> bool:
        return not (await get_charge_point(tenant.api, first.cp_id))["connected"]

    await eventually(disconnected, what="the charger showing as disconnected")


async def test_auto_registration_through_the_tenants_own_url(running_app: RunningApp, tenant: TenantHandle,
                                                            other_tenant: TenantHandle) -> None:
    url = running_app.ws_url
    identity = new_identity("AUTO")
    path = f"{tenant.slug}/{identity}"
    # Not allowed yet: an unknown charger stays unknown.
    assert (await refused(url, identity, path=path))[0] == 404
    allowed = await tenant.api.patch(f"{API}/tenant", json={"allow_auto_registration": True})
    assert allowed.status_code == 200, allowed.text
    assert (await refused(url, identity, path=f"no-such-tenant/{identity}"))[0] == 404

    charger = await RawCharger.connect(url, identity, path=path)
    try:
        assert (await charger.boot())["status"] == "Pending"
        assert (await charger.error("Heartbeat", {}))[2] == "SecurityError"
        [cp] = (await tenant.api.get(f"{API}/charge-points", params={"identity": identity})).json()["items"]
        assert cp["registration_status"] == "pending"
        assert cp["connected"] is True
        # It belongs to this tenant only.
        assert (await other_tenant.api.get(f"{API}/charge-points/{cp['id']}")).status_code == 404
    finally:
        await charger.close()
    # Registered now: the password it chose is checked like any other, at either URL.
    assert (await refused(url, identity, "another-password", path=path))[0] == 401
    # Another tenant's URL does not lead to it, even where that tenant allows registration too.
    await other_tenant.api.patch(f"{API}/tenant", json={"allow_auto_registration": True})
    assert (await refused(url, identity, path=f"{other_tenant.slug}/{identity}"))[0] == 404
    again = await RawCharger.connect(url, identity)
    try:
        assert (await again.boot())["status"] == "Pending"
    finally:
        await again.close()


def _server_records(caplog: pytest.LogCaptureFixture) -> list[str]:
    client_side = ("websockets.client", "ocpp", "httpx", "httpcore", "asyncio")
    lines = []
    for record in caplog.records:
        if record.name.startswith(client_side):
            continue
        lines.append(record.getMessage())
        if record.exc_text:
            lines.append(record.exc_text)
    return lines


async def test_no_password_or_authorization_key_reaches_any_log(
        running_app: RunningApp, fleet: Fleet, tenant: TenantHandle, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    uvicorn_logger = logging.getLogger("uvicorn")  # uvicorn's loggers do not propagate to the root
    uvicorn_logger.addHandler(caplog.handler)
    try:
        password = "Pw-" + base64.b32encode(b"charger-secret").decode()
        wrong = "Wrong-" + base64.b32encode(b"guessing").decode()
        new_key = "Ak-" + base64.b32encode(b"authorization-key").decode()
        read_key = "Rk-" + base64.b32encode(b"key-read-back").decode()
        tag_secret = "Tag-" + base64.b32encode(b"not-an-id-tag").decode()
        cp = await fleet.register(password=password)
        assert (await refused(running_app.ws_url, cp["identity"], wrong))[0] == 401
        charger = await RawCharger.connect(running_app.ws_url, cp["identity"], password=password)
        fleet.track(charger)
        await charger.boot()
        refusal = await charger.error("Authorize", {"idTag": tag_secret})  # too long: refused...
        assert tag_secret not in str(refusal)  # ...and not echoed
        changed = asyncio.create_task(command(tenant.api, cp["id"], "change-configuration",
                                              {"key": "AuthorizationKey", "value": new_key}))
        sent = await charger.next_call()
        assert sent[3] == {"key": "AuthorizationKey", "value": new_key}
        await charger.reply(sent[1], {"status": "Accepted"})
        assert (await changed).status_code == 200
        read = asyncio.create_task(command(tenant.api, cp["id"], "get-configuration", {"key": ["AuthorizationKey"]}))
        sent = await charger.next_call()
        await charger.reply(sent[1], {"configurationKey": [{"key": "AuthorizationKey", "readonly": False,
                                                            "value": read_key}]})
        assert (await read).status_code == 200
        timed_out = await command(tenant.api, cp["id"], "change-configuration",
                                  {"key": "authorizationkey", "value": new_key}, timeout=0.5)
        assert timed_out.status_code == 504
        late = await charger.next_call()
        await charger.reply(late[1], {"status": "Accepted"})
        assert "currentTime" in await charger.result("Heartbeat", {})
    finally:
        uvicorn_logger.removeHandler(caplog.handler)

    logged = "\n".join(_server_records(caplog))
    assert cp["identity"] in logged  # the failed attempt was logged, by name
    for secret in (password, wrong, new_key, read_key, tag_secret):
        assert secret not in logged, secret
    # The message log (what an operator reads of the wire) keeps the frames, minus the secrets.
    messages = (await tenant.api.get(f"{API}/charge-points/{cp['id']}/messages", params={"limit": 500})).json()
    wire = "\n".join(f"{m['request']} {m['response']}" for m in messages)
    assert "AuthorizationKey" in wire
    for secret in (password, wrong, new_key, read_key):
        assert secret not in wire, secret
