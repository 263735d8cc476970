"""Local authorization lists (OCPP 1.6 Local Auth List Management) kept in step with the cards: the
first update full, later ones differential with only the changes, removals without idTagInfo,
restricted and virtual cards left out, a version mismatch answered by a full update, a charger that
connects brought in step, a list switched off cleared."""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from tests.ocpp.conftest import Fleet
from tests.ocpp.helpers import add_token, eventually
from tests.support.chargers import OcppCharger
from tests.support.tenants import TenantHandle

API = "/api/v1"


class ListCharger(OcppCharger):
    """A charger that keeps a local list: applies SendLocalList as OCPP 1.6 §6.42 says."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = 0
        self.entries: dict[str, dict[str, Any]] = {}
        self.answer: str | None = None  # force an answer (e.g. "VersionMismatch") once

    @on(Action.send_local_list)
    def _send_local_list(self, list_version: int, update_type: str, local_authorization_list: Any = None,
                         **_: Any) -> Any:
        if self.answer is not None:
            forced, self.answer = self.answer, None
            return call_result.SendLocalList(status=forced)
        items = local_authorization_list or []
        if update_type == "Full":
            self.entries = {}
        elif list_version <= self.version:
            return call_result.SendLocalList(status="VersionMismatch")
        for item in items:
            if "id_tag_info" in item:
                self.entries[item["id_tag"]] = item["id_tag_info"]
            else:
                self.entries.pop(item["id_tag"], None)
        self.version = list_version
        return call_result.SendLocalList(status="Accepted")

    @on(Action.get_local_list_version)
    def _get_version(self, **_: Any) -> Any:
        return call_result.GetLocalListVersion(list_version=self.version)


async def _list_charger(fleet: Fleet, **fields: Any) -> ListCharger:
    cp = await fleet.register(**fields)
    charger = await ListCharger.connect(fleet.app.ws_url, cp["identity"])
    charger.cp_id = cp["id"]
    fleet.track(charger)
    await charger.boot()
    return charger


async def test_the_list_follows_the_cards(fleet: Fleet, tenant: TenantHandle) -> None:
    await add_token(tenant.api, "CARD-A")
    blocked = await add_token(tenant.api, "CARD-B")
    virtual = await tenant.api.post(f"{API}/id-tokens", json={"kind": "virtual"})
    assert virtual.status_code == 201, virtual.text
    charger = await _list_charger(fleet)
    other = await fleet.register()
    await add_token(tenant.api, "ELSEWHERE", restricted=True, charge_point_ids=[other["id"]])
    url = f"{API}/charge-points/{charger.cp_id}/local-list"

    on = await tenant.api.put(url, json={"enabled": True})
    assert on.status_code == 200, on.text
    assert on.json()["version"] == 1 and on.json()["pending_changes"] == 0
    assert charger.version == 1
    assert charger.entries == {"CARD-A": {"status": "Accepted"}, "CARD-B": {"status": "Accepted"}}

    # A card blocked, one added, one deleted: the next sync carries exactly those, as a differential update.
    assert (await tenant.api.patch(f"{API}/id-tokens/{blocked['id']}", json={"status": "blocked"})).status_code == 200
    await add_token(tenant.api, "CARD-C")
    card_a = (await tenant.api.get(f"{API}/id-tokens", params={"uid": "CARD-A"})).json()["items"][0]
    assert (await tenant.api.delete(f"{API}/id-tokens/{card_a['id']}")).status_code == 204
    assert (await tenant.api.get(url)).json()["pending_changes"] == 3
    while not charger.calls.empty():
        charger.calls.get_nowait()
    synced = await tenant.api.post(f"{url}/sync")
    assert synced.json() == {"sent": True, "result": "Accepted", "version": 2, "update_type": "Differential",
                             "entries": 2}
    action, payload = await charger.next_call()
    assert action == "SendLocalList" and payload["updateType"] == "Differential"
    assert sorted(payload["localAuthorizationList"], key=lambda e: e["idTag"]) == [
        {"idTag": "CARD-A"}, {"idTag": "CARD-B", "idTagInfo": {"status": "Blocked"}},
        {"idTag": "CARD-C", "idTagInfo": {"status": "Accepted"}}]
    assert charger.entries == {"CARD-B": {"status": "Blocked"}, "CARD-C": {"status": "Accepted"}}

    # Nothing changed: nothing is sent.
    idle = (await tenant.api.post(f"{url}/sync")).json()
    assert idle["sent"] is False and idle["result"] == "in step"
    version = (await tenant.api.get(f"{url}/charger-version")).json()
    assert version == {"charger_version": 2, "our_version": 2, "in_step": True}


async def test_a_version_mismatch_is_healed_by_a_full_update(fleet: Fleet, tenant: TenantHandle) -> None:
    await add_token(tenant.api, "CARD-A")
    charger = await _list_charger(fleet)
    url = f"{API}/charge-points/{charger.cp_id}/local-list"
    await tenant.api.put(url, json={"enabled": True})
    await add_token(tenant.api, "CARD-B")
    charger.answer = "VersionMismatch"
    healed = (await tenant.api.post(f"{url}/sync")).json()
    assert healed["result"] == "Accepted" and healed["update_type"] == "Full" and healed["version"] == 1
    assert set(charger.entries) == {"CARD-A", "CARD-B"}


async def test_a_charger_that_connects_is_brought_in_step_and_off_clears_it(fleet: Fleet,
                                                                          tenant: TenantHandle) -> None:
    await add_token(tenant.api, "CARD-A")
    cp = await fleet.register()
    url = f"{API}/charge-points/{cp['id']}/local-list"
    off_line = await tenant.api.put(url, json={"enabled": True})
    assert off_line.status_code == 200 and off_line.json()["version"] == 0  # not connected: nothing sent yet
    not_there = await tenant.api.post(f"{url}/sync")
    assert not_there.status_code == 409
    assert (await tenant.api.get(url)).json()["last_result"].startswith("ChargerNotConnected")
    charger = await ListCharger.connect(fleet.app.ws_url, cp["identity"])
    charger.cp_id = cp["id"]
    fleet.track(charger)
    await charger.boot()

    async def in_step() -> bool | None:
        return True if (await tenant.api.get(url)).json()["version"] == 1 else None

    await eventually(in_step, timeout=10)
    assert charger.entries == {"CARD-A": {"status": "Accepted"}}
    cleared = await tenant.api.put(url, json={"enabled": False})
    assert cleared.json()["enabled"] is False
    assert charger.entries == {} and charger.version == 2


async def test_another_tenant_cannot_touch_the_list(fleet: Fleet, tenant: TenantHandle,
                                                    other_tenant: TenantHandle) -> None:
    charger = await _list_charger(fleet)
    url = f"{API}/charge-points/{charger.cp_id}/local-list"
    assert (await other_tenant.api.get(url)).status_code == 404
    assert (await other_tenant.api.put(url, json={"enabled": True})).status_code == 404
    assert (await tenant.api.get(url)).json()["enabled"] is False
