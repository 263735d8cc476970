"""Dynamic load balancing against independent OCPP 1.6 chargers (the `ocpp` package's ChargePoint over a
real WebSocket): a site's limit shared by SetChargingProfile, lowered before anything is raised,
chargers that refuse or go offline counted at what they may draw, sessions drawing less giving the
rest back, the limit removed with ClearChargingProfile, GetCompositeSchedule, and tenant isolation."""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call, call_result

from tests.ocpp.conftest import AppFactory, Fleet, tenant_of
from tests.ocpp.helpers import add_token, eventually
from tests.support.chargers import OcppCharger, RawCharger, now_iso, register_charger
from tests.support.tenants import TenantHandle

API = "/api/v1"


async def balanced_site(fleet: Fleet, tenant: TenantHandle, chargers: int, limit: float = 32,
                        **charger_replies: Any) -> tuple[str, list[OcppCharger]]:
    site = (await tenant.api.post(f"{API}/sites", json={"name": "Garage", "time_zone": "Europe/Tallinn"})).json()
    connected = []
    for _ in range(chargers):
        charger = await fleet.ocpp(site_id=site["id"])
        charger.replies.update(charger_replies)
        connected.append(charger)
    answer = await tenant.api.put(f"{API}/sites/{site['id']}/charging-limit", json={"limit": limit})
    assert answer.status_code == 200, answer.text
    return site["id"], connected


def profiles(charger: OcppCharger, purpose: str) -> list[float]:
    """The limits of every profile of this purpose the charger was sent, in order."""
    return [payload["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
            for _, action, payload in charger.call_log
            if action == "SetChargingProfile" and payload["csChargingProfiles"]["chargingProfilePurpose"] == purpose]


def caps_never_exceed(chargers: list[OcppCharger], limit: float) -> None:
    """Replay every cap in the order it arrived: once all chargers have one, their sum stays in the limit."""
    events = sorted((at, i, payload) for i, c in enumerate(chargers) for at, action, payload in c.call_log
                    if action == "SetChargingProfile"
                    and payload["csChargingProfiles"]["chargingProfilePurpose"] == "ChargePointMaxProfile")
    current: dict[int, float] = {}
    for _, i, payload in events:
        current[i] = payload["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
        if len(current) == len(chargers):
            assert sum(current.values()) <= limit + 1e-9, current


async def start(charger: OcppCharger, id_tag: str, meter_start: int = 1000) -> int:
    answer = await charger.call(call.StartTransaction(connector_id=1, id_tag=id_tag, meter_start=meter_start,
                                                      timestamp=now_iso()), suppress=False)
    assert answer.id_tag_info["status"] == "Accepted"
    return int(answer.transaction_id)


async def load(tenant: TenantHandle, site_id: str) -> dict[str, Any]:
    answer = await tenant.api.get(f"{API}/sites/{site_id}/load")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def shares(tenant: TenantHandle, site_id: str, expected: dict[int, float]) -> dict[str, Any]:
    """Wait until the sessions' accepted shares are `expected` (transaction → amperes)."""
    async def check() -> dict[str, Any] | None:
        now = await load(tenant, site_id)
        sessions = {s["session_id"]: s for s in now["sessions"]}
        got = {}
        for session_id, s in sessions.items():
            tx = (await tenant.api.get(f"{API}/sessions/{session_id}")).json()["transaction_id"]
            got[tx] = float(s["accepted_limit_a"]) if s["state"] == "accepted" else None
        return now if got == expected else None
    return await eventually(check, timeout=15, what=f"shares {expected}")


async def test_two_sessions_share_the_limit_and_the_caps_never_add_up_to_more(
        fleet: Fleet, tenant: TenantHandle) -> None:
    await add_token(tenant.api, "CARD-A")
    await add_token(tenant.api, "CARD-B")
    site_id, (a, b) = await balanced_site(fleet, tenant, 2, limit=32)
    # Idle, each keeps the minimum for a session about to start.
    await eventually(lambda: _async(profiles(a, "ChargePointMaxProfile")[-1:] == [6.0]
                                    and profiles(b, "ChargePointMaxProfile")[-1:] == [6.0]),
                     timeout=15, what="standby caps")
    tx_a = await start(a, "CARD-A")
    await shares(tenant, site_id, {tx_a: 26.0})  # 32 A less B's 6 A standby
    tx_b = await start(b, "CARD-B")
    site = await shares(tenant, site_id, {tx_a: 16.0, tx_b: 16.0})
    assert float(site["limit_now_a"]) == 32 and float(site["planned_a"]) <= 32
    assert profiles(a, "ChargePointMaxProfile")[-1] == 16.0 and profiles(b, "ChargePointMaxProfile")[-1] == 16.0
    tx_profile = next(p for _, act, p in reversed(a.call_log) if act == "SetChargingProfile"
                      and p["csChargingProfiles"]["chargingProfilePurpose"] == "TxProfile")
    assert tx_profile["connectorId"] == 1 and tx_profile["csChargingProfiles"]["transactionId"] == tx_a
    assert tx_profile["csChargingProfiles"]["chargingSchedule"]["chargingRateUnit"] == "A"
    caps_never_exceed([a, b], 32)

    # A stops: B gets what A had, again lowering A's cap before raising B's.
    await a.call(call.StopTransaction(meter_stop=5000, timestamp=now_iso(), transaction_id=tx_a), suppress=False)
    await shares(tenant, site_id, {tx_b: 26.0})
    caps_never_exceed([a, b], 32)


async def _async(value: bool) -> bool:
    return value


async def test_a_charger_that_refuses_profiles_is_counted_at_its_maximum(fleet: Fleet, tenant: TenantHandle) -> None:
    await add_token(tenant.api, "CARD-A")
    site_id, (a,) = await balanced_site(fleet, tenant, 1, limit=40)
    stubborn_cp = await fleet.register(site_id=site_id)
    await tenant.api.patch(f"{API}/charge-points/{stubborn_cp['id']}/charging-settings", json={"max_current_a": 20})
    stubborn = await fleet.ocpp(stubborn_cp, replies={
        "SetChargingProfile": call_result.SetChargingProfile(status="Rejected")})
    tx_a = await start(a, "CARD-A")
    site = await shares(tenant, site_id, {tx_a: 20.0})  # 40 A less the 20 A the stubborn one may draw
    refusing = next(c for c in site["chargers"] if c["charge_point_id"] == stubborn.cp_id)
    assert refusing["control"] == "rejected" and float(refusing["counted_a"]) == 20
    assert float(site["reserved_a"]) == 20 and float(site["planned_a"]) <= 40
    settings = (await tenant.api.get(f"{API}/charge-points/{stubborn.cp_id}/charging-settings")).json()
    assert settings["control"] == "rejected" and "Rejected" in settings["control_detail"]


async def test_an_offline_charger_keeps_its_accepted_cap_counted(fleet: Fleet, tenant: TenantHandle) -> None:
    await add_token(tenant.api, "CARD-A")
    await add_token(tenant.api, "CARD-B")
    site_id, (a, b) = await balanced_site(fleet, tenant, 2, limit=32)
    tx_a, tx_b = await start(a, "CARD-A"), await start(b, "CARD-B")
    await shares(tenant, site_id, {tx_a: 16.0, tx_b: 16.0})
    await b.close()  # B goes away mid-session: it still obeys the 16 A cap it accepted, so A may not take it
    await eventually(lambda: _offline(tenant, site_id, b.cp_id), timeout=15, what="B counted offline")
    site = await load(tenant, site_id)
    assert float(site["planned_a"]) <= 32 and float(site["reserved_a"]) == 16
    assert {s["accepted_limit_a"] for s in site["sessions"] if s["charge_point_id"] == a.cp_id} == {"16.0"}


async def _offline(tenant: TenantHandle, site_id: str, cp_id: str) -> bool:
    site = await load(tenant, site_id)
    return any(c["charge_point_id"] == cp_id and not c["connected"] for c in site["chargers"])


async def test_a_session_drawing_less_gives_the_rest_back_and_gets_it_again(
        fleet: Fleet, tenant: TenantHandle) -> None:
    await add_token(tenant.api, "CARD-A")
    await add_token(tenant.api, "CARD-B")
    site_id, (a, b) = await balanced_site(fleet, tenant, 2, limit=32)
    tx_a, tx_b = await start(a, "CARD-A"), await start(b, "CARD-B")
    await shares(tenant, site_id, {tx_a: 16.0, tx_b: 16.0})

    async def draw(amps: float) -> None:
        values = [{"value": str(amps), "measurand": "Current.Import", "phase": f"L{n}", "unit": "A"} for n in (1, 2, 3)]
        await a.call(call.MeterValues(connector_id=1, transaction_id=tx_a,
                                      meter_value=[{"timestamp": now_iso(), "sampledValue": values}]), suppress=False)

    await draw(5.0)  # the car takes 5 A of its 16: keep 6 A (its minimum), B gets the rest
    await shares(tenant, site_id, {tx_a: 6.0, tx_b: 26.0})
    await draw(5.9)  # using all it may now: it may want more
    await shares(tenant, site_id, {tx_a: 16.0, tx_b: 16.0})
    caps_never_exceed([a, b], 32)


async def test_turning_balancing_off_clears_the_profiles(fleet: Fleet, tenant: TenantHandle) -> None:
    site_id, (a,) = await balanced_site(fleet, tenant, 1, limit=32)
    await eventually(lambda: _async(profiles(a, "ChargePointMaxProfile") == [6.0]), timeout=15, what="the standby cap")
    removed = await tenant.api.delete(f"{API}/sites/{site_id}/charging-limit")
    assert removed.status_code == 204
    await eventually(lambda: _async(any(act == "ClearChargingProfile" for _, act, _ in a.call_log)),
                     timeout=15, what="ClearChargingProfile")
    cleared = [p for _, act, p in a.call_log if act == "ClearChargingProfile"]
    assert {"id": 810_000} in cleared
    assert (await tenant.api.get(f"{API}/sites/{site_id}/charging-limit")).status_code == 404
    assert (await tenant.api.get(f"{API}/sites/{site_id}/load")).status_code == 404


async def test_the_composite_schedule_is_the_chargers_own_answer(fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.ocpp()
    answer = await tenant.api.get(f"{API}/charge-points/{charger.cp_id}/composite-schedule",
                                  params={"connector_id": 1, "duration": 600, "unit": "A"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["chargingSchedule"]["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 16.0}]
    sent = next(p for _, act, p in charger.call_log if act == "GetCompositeSchedule")
    assert sent == {"connectorId": 1, "duration": 600, "chargingRateUnit": "A"}
    offline = await fleet.register()
    assert (await tenant.api.get(f"{API}/charge-points/{offline['id']}/composite-schedule")).status_code == 409


async def test_an_energy_target_holds_the_session_at_zero(fleet: Fleet, tenant: TenantHandle) -> None:
    await add_token(tenant.api, "CARD-A")
    charger = await fleet.ocpp()  # no site, no balancing: the target alone
    tx = await start(charger, "CARD-A", meter_start=10_000)
    session = (await tenant.api.get(f"{API}/sessions", params={"charge_point_id": charger.cp_id})).json()["items"][0]
    set_ = await tenant.api.put(f"{API}/sessions/{session['id']}/charging-target", json={"energy_wh": 2000})
    assert set_.status_code == 200 and set_.json()["reached_at"] is None

    async def register(wh: int) -> None:
        await charger.call(call.MeterValues(connector_id=1, transaction_id=tx, meter_value=[{
            "timestamp": now_iso(),
            "sampledValue": [{"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}]),
            suppress=False)

    await register(11_500)
    assert not profiles(charger, "TxProfile")
    await register(12_100)
    await eventually(lambda: _async(profiles(charger, "TxProfile") == [0.0]), timeout=15, what="the hold at 0 A")
    target = (await tenant.api.get(f"{API}/sessions/{session['id']}/charging-target")).json()
    assert target["reached_at"] is not None
    # A higher target lets it draw again: the hold is lifted.
    await tenant.api.put(f"{API}/sessions/{session['id']}/charging-target", json={"energy_wh": 5000})
    await eventually(lambda: _async(any(act == "ClearChargingProfile" for _, act, _ in charger.call_log)),
                     timeout=15, what="the hold lifted")


async def test_a_target_on_a_charger_that_refuses_profiles_stops_the_session(
        fleet: Fleet, tenant: TenantHandle) -> None:
    await add_token(tenant.api, "CARD-A")
    charger = await fleet.ocpp(replies={"SetChargingProfile": call_result.SetChargingProfile(status="Rejected")})
    tx = await start(charger, "CARD-A", meter_start=0)
    session = (await tenant.api.get(f"{API}/sessions", params={"charge_point_id": charger.cp_id})).json()["items"][0]
    await charger.call(call.MeterValues(connector_id=1, transaction_id=tx, meter_value=[{
        "timestamp": now_iso(), "sampledValue": [{"value": "60", "measurand": "SoC", "unit": "Percent"}]}]),
        suppress=False)
    await tenant.api.put(f"{API}/sessions/{session['id']}/charging-target", json={"soc_percent": 50})
    await eventually(lambda: _async(any(act == "RemoteStopTransaction" for _, act, _ in charger.call_log)),
                     timeout=15, what="the remote stop")
    stop = next(p for _, act, p in charger.call_log if act == "RemoteStopTransaction")
    assert stop == {"transactionId": tx}
    target = (await tenant.api.get(f"{API}/sessions/{session['id']}/charging-target")).json()
    assert target["last_soc_percent"] == 60 and target["reached_at"] is not None


async def test_bad_limits_and_settings_are_refused(fleet: Fleet, tenant: TenantHandle) -> None:
    site = (await tenant.api.post(f"{API}/sites", json={"name": "S"})).json()
    for body in ({"limit": 0}, {"limit": 32, "unit": "MW"}, {"limit": 32, "phases": 2},
                 {"limit": 32, "schedule": [{"start": "7:00", "end": "09:00", "limit": 10}]}):
        answer = await tenant.api.put(f"{API}/sites/{site['id']}/charging-limit", json=body)
        assert answer.status_code == 422, body
    cp = await fleet.register()
    bad = await tenant.api.patch(f"{API}/charge-points/{cp['id']}/charging-settings",
                                 json={"min_current_a": 40})
    assert bad.status_code == 409 and "min_current_a" in bad.text
    assert (await tenant.api.patch(f"{API}/charge-points/{cp['id']}/charging-settings",
                                   json={"min_current_a": 10, "max_current_a": 6})).status_code == 422


async def test_another_tenant_cannot_see_or_change_any_of_it(fleet: Fleet, tenant: TenantHandle,
                                                              other_tenant: TenantHandle) -> None:
    await add_token(tenant.api, "CARD-A")
    site_id, (a,) = await balanced_site(fleet, tenant, 1, limit=32)
    await start(a, "CARD-A")
    session = (await tenant.api.get(f"{API}/sessions")).json()["items"][0]
    other = other_tenant.api
    assert (await other.get(f"{API}/sites/{site_id}/charging-limit")).status_code == 404
    assert (await other.put(f"{API}/sites/{site_id}/charging-limit", json={"limit": 100})).status_code == 404
    assert (await other.delete(f"{API}/sites/{site_id}/charging-limit")).status_code == 404
    assert (await other.get(f"{API}/sites/{site_id}/load")).status_code == 404
    assert (await other.patch(f"{API}/charge-points/{a.cp_id}/charging-settings",
                              json={"priority": 9})).status_code == 404
    assert (await other.get(f"{API}/charge-points/{a.cp_id}/composite-schedule")).status_code == 404
    assert (await other.put(f"{API}/sessions/{session['id']}/charging-target",
                            json={"energy_wh": 1})).status_code == 404
    mine = (await tenant.api.get(f"{API}/sites/{site_id}/charging-limit")).json()
    assert float(mine["limit"]) == 32


async def test_a_charger_that_did_not_answer_is_tried_again_at_the_sweep(app_with: AppFactory) -> None:
    app = app_with(ocpp_call_timeout=0.5, load_balancing_interval=1.0)
    tenant = await tenant_of(app)
    try:
        site = (await tenant.api.post(f"{API}/sites", json={"name": "Yard"})).json()
        cp = await register_charger(tenant.api, site_id=site["id"])
        charger = await RawCharger.connect(app.ws_url, cp["identity"])
        await charger.boot()
        await tenant.api.put(f"{API}/sites/{site['id']}/charging-limit", json={"limit": 16})
        unanswered = await charger.next_call()
        assert unanswered[2] == "SetChargingProfile"  # left unanswered: the call times out

        async def control() -> str:
            body = (await tenant.api.get(f"{API}/charge-points/{cp['id']}/charging-settings")).json()
            return str(body["control"])

        assert await _eventually_equal(control, "unreachable")
        # The next sweep tries again; this time it answers.
        retry = await charger.next_call(timeout=5)
        assert retry[2] == "SetChargingProfile" and retry[3]["connectorId"] == 0
        await charger.reply(retry[1], {"status": "Accepted"})
        assert await _eventually_equal(control, "accepted")
        await charger.close()
    finally:
        await tenant.api.aclose()


async def _eventually_equal(read: Any, expected: str) -> bool:
    async def check() -> bool:
        return bool(await read() == expected)
    return bool(await eventually(check, timeout=15, what=f"control {expected}"))


async def test_a_charger_moved_away_leaves_its_old_sites_plan_at_once(fleet: Fleet, tenant: TenantHandle) -> None:
    await add_token(tenant.api, "CARD-A")
    await add_token(tenant.api, "CARD-B")
    site_id, (a, b) = await balanced_site(fleet, tenant, 2, limit=32)
    tx_a, tx_b = await start(a, "CARD-A"), await start(b, "CARD-B")
    await shares(tenant, site_id, {tx_a: 16.0, tx_b: 16.0})
    elsewhere = (await tenant.api.post(f"{API}/sites", json={"name": "Elsewhere"})).json()
    moved = await tenant.api.patch(f"{API}/charge-points/{b.cp_id}", json={"site_id": elsewhere["id"]})
    assert moved.status_code == 200
    # The old site is planned again at once, without B: A alone gets its charger's 32 A maximum.
    await shares(tenant, site_id, {tx_a: 32.0})
