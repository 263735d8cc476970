"""Charge point pages: the list and its filters, registering one (address and password shown once),
editing, accepting, deleting, the live page with its OCPP messages, commands with the charger's answer,
and who may do what."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from ocpp.v16 import call

from chargeplane.config import Settings
from chargeplane.db import Scope
from chargeplane.domain.assets import fleet, service
from chargeplane.domain.assets.models import ChargePoint
from chargeplane.domain.identity.permissions import Role
from tests.conftest import test_settings as make_settings
from tests.portal.fleet_support import charger_in, events, next_matching, status
from tests.portal.support import PortalPerson, portal_user
from tests.support.chargers import OcppCharger, RawCharger, now_iso, register_charger
from tests.support.people import make_account
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

PASSWORD = re.compile(r'id="generated-password">([^<]+)<')


@pytest.fixture
def app_settings(database_url: str) -> Settings:
    # A charger that does not answer is given up on after a second.
    return make_settings(database_url, portal_live_interval=0.2, ocpp_call_timeout=1)


def rows_of(html: str) -> list[str]:
    """The identities the list shows, in order."""
    return re.findall(r'<td><a href="/portal/charge-points/[0-9a-f-]+">([^<]+)</a></td>', html)


async def test_the_list_filters_by_state_site_registration_and_search(running_app: RunningApp,
                                                                      tenant: TenantHandle,
                                                                      admin: PortalPerson) -> None:
    site = (await tenant.api.post("/api/v1/sites", json={"name": "North yard"})).json()
    account = await make_account(running_app, tenant.id, name="Fleet owner")
    available = await charger_in(running_app, tenant.api, "Available", name="Garage North", site_id=site["id"])
    faulted = await charger_in(running_app, tenant.api, "Faulted", account_id=str(account))
    pending = await register_charger(tenant.api, registration_status="pending", name="Shed")
    try:
        everything = (await admin.portal.get("/portal/charge-points")).text
        assert set(rows_of(everything)) == {available.identity, faulted.identity, pending["identity"]}
        assert "North yard" in everything and "Waiting for acceptance" in everything

        def listed(query: str) -> Any:
            return admin.portal.get(f"/portal/charge-points?{query}")

        assert rows_of((await listed("state=available")).text) == [available.identity]
        assert rows_of((await listed("state=faulted")).text) == [faulted.identity]
        assert rows_of((await listed("state=pending")).text) == [pending["identity"]]
        assert rows_of((await listed(f"site_id={site['id']}")).text) == [available.identity]
        assert rows_of((await listed(f"account_id={account}")).text) == [faulted.identity]
        assert rows_of((await listed("registration_status=pending")).text) == [pending["identity"]]
        assert rows_of((await listed("q=garage+north")).text) == [available.identity]  # the name, any case
        assert rows_of((await listed(f"q={faulted.identity[3:9]}")).text) == [faulted.identity]
        assert rows_of((await listed("q=nothing-like-it")).text) == []
        # A stale or empty filter is no filter.
        assert len(rows_of((await listed("state=bogus&site_id=&registration_status=")).text)) == 3
        await available.close()
        assert set(rows_of((await listed("state=offline")).text)) == {available.identity}
    finally:
        await available.close()
        await faulted.close()


async def test_the_list_pages_through_chargers_in_a_state(running_app: RunningApp, tenant: TenantHandle,
                                                          admin: PortalPerson) -> None:
    def add(uow: Any) -> list[uuid.UUID]:
        rows = [ChargePoint(identity=f"BULK-{uuid.uuid4().hex[:10]}", password_hash="-") for _ in range(150)]
        uow.session.add_all(rows)
        uow.session.flush()
        return [row.id for row in rows]

    ids = await running_app.arun(running_app.app.db.write(Scope.tenant(tenant.id), add))
    connected = set(ids[::3])  # as if these were connected: a state only the live connections know

    async def page(after: Any) -> list[tuple[Any, uuid.UUID]]:
        def unit(uow: Any) -> list[tuple[Any, uuid.UUID]]:
            rows = fleet.charge_points_in_state(uow, where=service.ChargePointFilter(), state="unknown",
                                                connected=connected.__contains__, limit=20, after=after)
            return [(row.created_at, row.id) for row in rows]

        return await running_app.arun(running_app.app.db.read(Scope.tenant(tenant.id), unit))

    seen: list[uuid.UUID] = []
    after = None
    while True:
        rows = await page(after)
        seen += [row_id for _, row_id in rows]
        if len(rows) < 20:
            break
        after = rows[-1]
    assert len(seen) == len(set(seen)) == len(connected) and set(seen) == connected
    # Through the page: the first 50 of 150 offline ones, then a link to the next.
    first = (await admin.portal.get("/portal/charge-points?state=offline")).text
    assert len(rows_of(first)) == 50
    next_url = re.search(r'href="(/portal/charge-points\?state=offline&amp;cursor=[^"]+)"', first)
    assert next_url, "a link to the next page"
    second = (await admin.portal.get(next_url.group(1).replace("&amp;", "&"))).text
    assert len(rows_of(second)) == 50 and not set(rows_of(first)) & set(rows_of(second))


async def test_registering_shows_the_address_and_password_once(running_app: RunningApp, tenant: TenantHandle,
                                                               admin: PortalPerson) -> None:
    site = (await tenant.api.post("/api/v1/sites", json={"name": "Depot"})).json()
    form = await admin.portal.get("/portal/charge-points/new")
    assert form.status_code == 200 and 'name="identity"' in form.text and "Depot" in form.text
    identity = f"NEW-{uuid.uuid4().hex[:8]}"
    created = await admin.portal.post("/portal/charge-points/new", {"identity": identity, "name": "Depot 1",
                                                                   "site_id": site["id"], "public": "true"})
    assert created.status_code == 200, created.text
    ws_base = running_app.settings.base_url.replace("http://", "ws://")
    assert f"{ws_base}/ocpp/{identity}" in created.text
    password = PASSWORD.search(created.text)
    assert password and len(password.group(1)) >= 24
    stored = (await tenant.api.get("/api/v1/charge-points", params={"identity": identity})).json()["items"]
    assert [(cp["name"], cp["site_id"], cp["public"]) for cp in stored] == [("Depot 1", site["id"], True)]
    # Shown once: the charger's page does not have it.
    page = await admin.portal.get(f"/portal/charge-points/{stored[0]['id']}")
    assert password.group(1) not in page.text and f"{ws_base}/ocpp/{identity}" in page.text
    charger = await RawCharger.connect(running_app.ws_url, identity, password.group(1))
    try:
        assert (await charger.boot())["status"] == "Accepted"
    finally:
        await charger.close()


async def test_a_wrong_registration_is_shown_with_its_problem(tenant: TenantHandle, admin: PortalPerson) -> None:
    colon = await admin.portal.post("/portal/charge-points/new", {"identity": "has:colon"})
    assert colon.status_code == 422 and "identity must not contain &#39;:&#39;" in colon.text
    assert 'aria-invalid="true" aria-describedby="e-identity"' in colon.text
    short = await admin.portal.post("/portal/charge-points/new", {"identity": "OK-1", "password": "short"})
    assert short.status_code == 422 and 'aria-describedby="e-password"' in short.text
    taken = await register_charger(tenant.api)
    again = await admin.portal.post("/portal/charge-points/new", {"identity": taken["identity"]})
    assert again.status_code == 409 and "is already registered" in again.text
    assert (await tenant.api.get("/api/v1/charge-points", params={"identity": "OK-1"})).json()["items"] == []


async def test_edit_accept_and_delete(running_app: RunningApp, tenant: TenantHandle, admin: PortalPerson) -> None:
    site = (await tenant.api.post("/api/v1/sites", json={"name": "Mall"})).json()
    cp = await register_charger(tenant.api, registration_status="pending")
    charger = await RawCharger.connect(running_app.ws_url, cp["identity"])
    try:
        assert (await charger.boot())["status"] == "Pending"
        page = (await admin.portal.get(f"/portal/charge-points/{cp['id']}")).text
        assert f'action="/portal/charge-points/{cp["id"]}/accept"' in page and "waits for acceptance" in page
        accepted = await admin.portal.post(f"/portal/charge-points/{cp['id']}/accept")
        assert (accepted.status_code, accepted.headers["location"]) == (303, f"/portal/charge-points/{cp['id']}")
        assert (await tenant.api.get(f"/api/v1/charge-points/{cp['id']}")).json()["registration_status"] == "accepted"
        # Accepted while it waits: it is asked to boot again at once.
        trigger = await charger.next_call()
        assert trigger[2:] == ["TriggerMessage", {"requestedMessage": "BootNotification"}]
    finally:
        await charger.close()

    form = (await admin.portal.get(f"/portal/charge-points/{cp['id']}/edit")).text
    assert 'name="name"' in form and "Mall" in form
    edited = await admin.portal.post(f"/portal/charge-points/{cp['id']}/edit", {
        "name": "Mall entrance", "site_id": site["id"], "registration_status": "accepted", "community": "true"})
    assert edited.status_code == 303, edited.text
    body = (await tenant.api.get(f"/api/v1/charge-points/{cp['id']}")).json()
    assert (body["name"], body["site_id"], body["community"], body["public"]) == ("Mall entrance", site["id"], True,
                                                                                 False)
    bad = await admin.portal.post(f"/portal/charge-points/{cp['id']}/edit", {"name": "x", "password": "short"})
    assert bad.status_code == 422 and 'aria-describedby="e-password"' in bad.text

    confirm = await admin.portal.get(f"/portal/charge-points/{cp['id']}/delete")
    assert confirm.status_code == 200 and f'action="/portal/charge-points/{cp["id"]}/delete"' in confirm.text
    deleted = await admin.portal.post(f"/portal/charge-points/{cp['id']}/delete")
    assert deleted.headers["location"] == f"/portal/charge-points?deleted={cp['identity']}"
    assert (await tenant.api.get(f"/api/v1/charge-points/{cp['id']}")).status_code == 404
    assert f"Charge point {cp['identity']} was deleted" in (await admin.portal.get(deleted.headers["location"])).text


async def test_the_page_shows_connectors_live_and_the_message_log(running_app: RunningApp, tenant: TenantHandle,
                                                                 admin: PortalPerson) -> None:
    charger = await charger_in(running_app, tenant.api, "Available")
    try:
        await status(charger, 2, "Preparing")
        page = (await admin.portal.get(f"/portal/charge-points/{charger.cp_id}")).text
        assert "Connected" in page and "TestVendor" in page
        assert re.search(r'data-connector="1">.*?state-available', page, re.S)
        assert re.search(r'data-connector="2">.*?state-preparing', page, re.S)
        assert "<code>BootNotification</code>" in page and "<code>StatusNotification</code>" in page
        assert f'sse-connect="/portal/live/charge-points/{charger.cp_id}"' in page
        async with events(admin.portal.http, f"/portal/live/charge-points/{charger.cp_id}") as next_event:
            first = await next_event()
            assert re.search(r'data-connector="2">.*?state-preparing', first, re.S)
            await status(charger, 2, "Faulted", "GroundFailure")
            await next_matching(next_event, lambda html: re.search(
                r'data-connector="2">.*?state-faulted.*?GroundFailure', html, re.S))
    finally:
        await charger.close()


async def test_commands_reach_the_charger_and_show_its_answer(running_app: RunningApp, tenant: TenantHandle,
                                                             admin: PortalPerson) -> None:
    cp = await register_charger(tenant.api, password="test-password-1")
    charger = await OcppCharger.connect(running_app.ws_url, cp["identity"])
    await charger.boot()
    base = f"/portal/charge-points/{cp['id']}/commands"
    try:
        # (command, form, the call the charger gets, what the page says)
        for command, form, call, said in [
            ("reset", {"type": "Hard"}, ("Reset", {"type": "Hard"}), "The charger answered: Accepted"),
            ("unlock-connector", {"connector_id": "2"}, ("UnlockConnector", {"connectorId": 2}), "Unlocked"),
            ("change-availability", {"connector_id": "0", "type": "Inoperative"},
             ("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"}), "when the running session ends"),
            ("remote-start-transaction", {"id_tag": "CARD-7", "connector_id": "1"},
             ("RemoteStartTransaction", {"idTag": "CARD-7", "connectorId": 1}), "The charger answered: Accepted"),
            ("trigger-message", {"requested_message": "Heartbeat"},
             ("TriggerMessage", {"requestedMessage": "Heartbeat"}), "The charger answered: Accepted"),
            ("clear-cache", {}, ("ClearCache", {}), "The charger answered: Accepted"),
            ("change-configuration", {"key": "HeartbeatInterval", "value": "120"},
             ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "120"}), "after a restart"),
        ]:
            answer = await admin.portal.post(f"{base}/{command}", form, htmx=True)
            assert answer.status_code == 200 and said in answer.text, (command, answer.text)
            assert "<html" not in answer.text  # a fragment, swapped in place
            assert await charger.next_call() == call
        configuration = await admin.portal.post(f"{base}/get-configuration", htmx=True)
        assert re.search(r"<code>HeartbeatInterval</code>.*?value=\"300\"", configuration.text, re.S)
        assert "NoSuchKey" in configuration.text and "change-configuration" in configuration.text
        assert await charger.next_call() == ("GetConfiguration", {})
        # Without htmx: the charger's page, with the answer on it.
        plain = await admin.portal.post(f"{base}/reset", {"type": "Soft"})
        assert plain.status_code == 200 and "<html" in plain.text and "The charger answered: Accepted" in plain.text
        assert await charger.next_call() == ("Reset", {"type": "Soft"})
        # Every command is in the audit log, as the API's are.
        listed = await tenant.api.get("/api/v1/audit-log", params={"object_id": cp["id"]})
        assert listed.status_code == 200, listed.text
        audit = listed.json()["items"]
        assert {"command.reset", "command.remote-start-transaction", "command.change-configuration"} <= {
            entry["action"] for entry in audit}
    finally:
        await charger.close()


async def test_remote_stop_of_the_running_session(running_app: RunningApp, tenant: TenantHandle,
                                                  admin: PortalPerson) -> None:
    await tenant.api.post("/api/v1/id-tokens", json={"uid": "STOP-ME"})
    cp = await register_charger(tenant.api, password="test-password-1")
    charger = await OcppCharger.connect(running_app.ws_url, cp["identity"])
    await charger.boot()
    try:
        begun = await charger.call(call.StartTransaction(connector_id=1, id_tag="STOP-ME", meter_start=0,
                                                         timestamp=now_iso()), suppress=False)
        page = (await admin.portal.get(f"/portal/charge-points/{cp['id']}")).text
        assert f'name="transaction_id" value="{begun.transaction_id}"' in page and "STOP-ME" in page
        stopped = await admin.portal.post(f"/portal/charge-points/{cp['id']}/commands/remote-stop-transaction",
                                          {"transaction_id": str(begun.transaction_id)}, htmx=True)
        assert "The charger answered: Accepted" in stopped.text
        assert await charger.next_call() == ("RemoteStopTransaction", {"transactionId": begun.transaction_id})
    finally:
        await charger.close()


async def test_a_charger_that_is_not_there_or_a_wrong_entry_says_so(tenant: TenantHandle,
                                                                    admin: PortalPerson) -> None:
    cp = await register_charger(tenant.api)
    base = f"/portal/charge-points/{cp['id']}/commands"
    absent = await admin.portal.post(f"{base}/reset", {"type": "Soft"}, htmx=True)
    assert absent.status_code == 200
    assert "The charger is not connected, so the command was not sent." in absent.text
    plain = await admin.portal.post(f"{base}/reset", {"type": "Soft"})
    assert plain.status_code == 409 and "The charger is not connected" in plain.text
    wrong = await admin.portal.post(f"{base}/unlock-connector", {"connector_id": "two"}, htmx=True)
    assert "Enter a whole number." in wrong.text
    assert (await admin.portal.post(f"{base}/unlock-connector", {"connector_id": "0"})).status_code == 422
    assert (await admin.portal.post(f"{base}/reset", {"type": "Sideways"}, htmx=True)).text.count(
        "Choose one from the list.") == 1
    assert (await admin.portal.post(f"{base}/self-destruct", {}, htmx=False)).status_code == 404


async def test_a_charger_that_does_not_answer_says_so(running_app: RunningApp, tenant: TenantHandle,
                                                       admin: PortalPerson) -> None:
    charger = await charger_in(running_app, tenant.api, "Available")
    try:
        silent = await admin.portal.post(f"/portal/charge-points/{charger.cp_id}/commands/clear-cache", htmx=True)
        assert "The charger did not answer in time." in silent.text
        assert (await charger.next_call())[2] == "ClearCache"  # it was sent, and never answered
    finally:
        await charger.close()


async def test_another_tenants_charge_point_is_not_found(running_app: RunningApp, other_tenant: TenantHandle,
                                                         admin: PortalPerson) -> None:
    theirs = await register_charger(other_tenant.api)
    base = f"/portal/charge-points/{theirs['id']}"
    for path in (base, f"{base}/edit", f"{base}/delete", f"/portal/live/charge-points/{theirs['id']}"):
        assert (await admin.portal.get(path)).status_code == 404, path
    for path in (f"{base}/edit", f"{base}/delete", f"{base}/accept", f"{base}/commands/reset"):
        assert (await admin.portal.post(path, {"name": "mine now", "type": "Soft"})).status_code == 404, path
    assert (await other_tenant.api.get(f"/api/v1/charge-points/{theirs['id']}")).json()["name"] is None


async def test_what_each_role_may_do(running_app: RunningApp, tenant: TenantHandle, admin: PortalPerson) -> None:
    mine, theirs = await make_account(running_app, tenant.id), await make_account(running_app, tenant.id)
    own = await register_charger(tenant.api, account_id=str(mine))
    other = await register_charger(tenant.api, account_id=str(theirs))
    owner = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.ACCOUNT_ADMIN, mine)])
    member = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.ACCOUNT_MEMBER, mine)])
    support = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.CUSTOMER_SUPPORT, None)])
    try:
        # An account admin (a private owner) lists and opens their own chargers, and edits them.
        assert rows_of((await owner.portal.get("/portal/charge-points")).text) == [own["identity"]]
        assert (await owner.portal.get(f"/portal/charge-points/{own['id']}")).status_code == 200
        assert (await owner.portal.get(f"/portal/charge-points/{other['id']}")).status_code == 404
        renamed = await owner.portal.post(f"/portal/charge-points/{own['id']}/edit", {
            "name": "My garage", "account_id": str(mine), "registration_status": "accepted"})
        assert renamed.status_code == 303
        # A private owner registers their own chargers, into their own account only.
        assert "/portal/charge-points/new" in (await owner.portal.get("/portal/charge-points")).text
        form = (await owner.portal.get("/portal/charge-points/new")).text
        assert f'<option value="{mine}"' in form and f'<option value="{theirs}"' not in form
        identity = f"HOME-{uuid.uuid4().hex[:8]}"
        nowhere = await owner.portal.post("/portal/charge-points/new", {"identity": identity})
        assert nowhere.status_code == 422 and "account_id must be one of your accounts" in nowhere.text
        elsewhere = await owner.portal.post("/portal/charge-points/new", {"identity": identity,
                                                                         "account_id": str(theirs)})
        assert elsewhere.status_code == 404 and 'aria-describedby="e-account_id"' in elsewhere.text
        created = await owner.portal.post("/portal/charge-points/new", {"identity": identity,
                                                                       "account_id": str(mine)})
        assert created.status_code == 200 and PASSWORD.search(created.text)
        assert set(rows_of((await owner.portal.get("/portal/charge-points")).text)) == {own["identity"], identity}
        # A member reads and sends commands, but does not edit.
        assert (await member.portal.get(f"/portal/charge-points/{own['id']}/edit")).status_code == 403
        assert "/commands/reset" in (await member.portal.get(f"/portal/charge-points/{own['id']}")).text
        # Support edits but does not delete.
        assert (await support.portal.get(f"/portal/charge-points/{own['id']}/delete")).status_code == 403
        assert (await support.portal.post(f"/portal/charge-points/{own['id']}/delete")).status_code == 403
        assert (await tenant.api.get(f"/api/v1/charge-points/{own['id']}")).json()["name"] == "My garage"
    finally:
        for person in (owner, member, support):
            await person.portal.aclose()
            await person.person.api.aclose()
