"""Smart charging in the portal and the app, against real OCPP chargers (the `ocpp` package's ChargePoint,
which accepts charging profiles): a site's grid limit and schedule set through the form (errors at their
fields), the site's load following the sessions live, a charger's settings and its composite schedule,
a session's target set by an operator and by the driver ("Stop at"), and who may do what."""

from __future__ import annotations

import re
from typing import Any

from ocpp.v16 import call, call_result

from chargeplane.domain.identity.permissions import Role
from tests.ocpp.conftest import Fleet, fleet  # noqa: F401  # chargers of one tenant, closed at the end
from tests.ocpp.helpers import add_token, eventually
from tests.portal.fleet_support import events, next_matching
from tests.portal.support import PortalPerson, open_for_people, portal_user
from tests.support.chargers import OcppCharger, now_iso
from tests.support.people import make_account
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

API = "/api/v1"


async def site(tenant: TenantHandle, name: str = "Garage", **fields: Any) -> str:
    created = await tenant.api.post(f"{API}/sites", json={"name": name, "time_zone": "Europe/Tallinn", **fields})
    assert created.status_code == 201, created.text
    site_id: str = created.json()["id"]
    return site_id


async def start(charger: OcppCharger, id_tag: str, meter_start: int = 1000) -> int:
    answer = await charger.call(call.StartTransaction(connector_id=1, id_tag=id_tag, meter_start=meter_start,
                                                      timestamp=now_iso()), suppress=False)
    assert answer.id_tag_info["status"] == "Accepted"
    return int(answer.transaction_id)


async def session_of(tenant: TenantHandle, charger: OcppCharger) -> str:
    found = (await tenant.api.get(f"{API}/sessions", params={"charge_point_id": charger.cp_id})).json()["items"]
    assert len(found) == 1, found
    session_id: str = found[0]["id"]
    return session_id


def error_at(html: str, field: str) -> str:
    """The message shown at a form's field (its `e-<field>` note, which the control points to)."""
    assert f'aria-describedby="e-{field}"' in html, f"no error at {field}"
    found = re.search(rf'<small id="e-{re.escape(field)}" class="field-error">([^<]*)</small>', html)
    assert found, f"no note for {field}"
    return found.group(1)


def share_rows(html: str) -> dict[str, tuple[str, str]]:
    """The live load's sessions: session id → (allocated, the charger's answer)."""
    return {m[0]: (m[1], m[2]) for m in re.findall(
        r'<tr data-session="([0-9a-f-]+)">.*?<td data-share>([^<]*)</td>.*?<td data-answer="([a-z]+)">', html, re.S)}


async def test_the_limit_form_saves_its_schedule_and_shows_what_is_wrong_at_the_fields(
        tenant: TenantHandle, admin: PortalPerson) -> None:
    site_id = await site(tenant)
    portal = admin.portal
    page = (await portal.get(f"/portal/sites/{site_id}")).text
    assert 'id="load-balancing"' in page and "No limit is set" in page
    assert f'href="/portal/sites/{site_id}/load-balancing"' in page
    assert f'sse-connect="/portal/live/sites/{site_id}/load"' in page
    form = (await portal.get(f"/portal/sites/{site_id}/load-balancing")).text
    assert 'name="limit"' in form and 'name="periods" value="0"' in form

    # A period is added by the form itself (no script): one more row to fill in, nothing saved yet.
    added = await portal.post(f"/portal/sites/{site_id}/load-balancing", {
        "do": "add", "limit": "40", "unit": "A", "phases": "3", "voltage": "230", "enabled": "true", "periods": "0"})
    assert added.status_code == 200 and 'name="periods" value="1"' in added.text
    assert 'name="period-0-start"' in added.text and 'value="40"' in added.text
    assert re.search(r'name="period-0-days" value="7"\s+checked', added.text)  # every day, to start with
    assert (await tenant.api.get(f"{API}/sites/{site_id}/charging-limit")).status_code == 404

    wrong = await portal.post(f"/portal/sites/{site_id}/load-balancing", {
        "do": "save", "limit": "abc", "unit": "A", "phases": "2", "voltage": "230", "enabled": "true",
        "periods": "2", "period-0-start": "07:00", "period-0-end": "09:00", "period-0-limit": "16",
        "period-1-days": ["6", "7"], "period-1-start": "22:00", "period-1-end": "06:00", "period-1-limit": "x"})
    assert wrong.status_code == 422
    assert error_at(wrong.text, "limit") == "Input should be a valid decimal"  # in English, the API's words
    assert error_at(wrong.text, "phases") == "Input should be 1 or 3"
    assert error_at(wrong.text, "period-0-days") == "Choose at least one day."
    assert error_at(wrong.text, "period-1-limit") == "Input should be a valid decimal"
    assert 'value="22:00"' in wrong.text  # what was typed stays
    assert (await tenant.api.get(f"{API}/sites/{site_id}/charging-limit")).status_code == 404

    saved = await portal.post(f"/portal/sites/{site_id}/load-balancing", {
        "do": "save", "limit": "40", "unit": "A", "phases": "3", "voltage": "230", "enabled": "true",
        "periods": "3", "period-0-days": ["1", "2", "3", "4", "5"], "period-0-start": "07:00",
        "period-0-end": "09:00", "period-0-limit": "20",
        "period-1-days": ["6"], "period-1-start": "10:00", "period-1-end": "11:00", "period-1-limit": "5",
        "period-1-remove": "true",
        "period-2-days": ["1"]})  # nothing typed in it: no period
    assert (saved.status_code, saved.headers["location"]) == (303, f"/portal/sites/{site_id}#load-balancing")
    stored = (await tenant.api.get(f"{API}/sites/{site_id}/charging-limit")).json()
    assert (stored["limit"], stored["unit"], stored["phases"], stored["enabled"]) == ("40.0", "A", 3, True)
    assert stored["schedule"] == [{"days": [1, 2, 3, 4, 5], "start": "07:00", "end": "09:00", "limit": "20"}]
    page = (await portal.get(f"/portal/sites/{site_id}")).text
    assert "40.0 A per phase" in page and "3 phases" in page
    assert "Monday, Tuesday, Wednesday, Thursday and Friday" in page and "07:00" in page
    again = (await portal.get(f"/portal/sites/{site_id}/load-balancing")).text
    assert 'name="periods" value="1"' in again and 'value="09:00"' in again

    # Start equal to end is no period: said at its end; a kW limit for the site is kept as kW.
    same = await portal.post(f"/portal/sites/{site_id}/load-balancing", {
        "limit": "22", "unit": "kW", "phases": "3", "voltage": "230", "periods": "1", "period-0-days": ["1"],
        "period-0-start": "08:00", "period-0-end": "08:00", "period-0-limit": "11"})
    assert same.status_code == 422 and error_at(same.text, "period-0-end")
    off = await portal.post(f"/portal/sites/{site_id}/load-balancing", {
        "limit": "22", "unit": "kW", "phases": "3", "voltage": "230", "periods": "0"})  # the box not ticked
    assert off.status_code == 303
    stored = (await tenant.api.get(f"{API}/sites/{site_id}/charging-limit")).json()
    assert (stored["limit"], stored["unit"], stored["enabled"], stored["schedule"]) == ("22.0", "kW", False, [])
    assert "Load balancing is off" in (await portal.get(f"/portal/sites/{site_id}")).text

    removed = await portal.post(f"/portal/sites/{site_id}/load-balancing/remove")
    assert removed.status_code == 303
    assert (await tenant.api.get(f"{API}/sites/{site_id}/charging-limit")).status_code == 404


async def test_the_site_load_follows_two_sessions_live(fleet: Fleet, tenant: TenantHandle,  # noqa: F811
                                                       admin: PortalPerson) -> None:
    await add_token(tenant.api, "CARD-A")
    await add_token(tenant.api, "CARD-B")
    site_id = await site(tenant)
    a, b = await fleet.ocpp(site_id=site_id), await fleet.ocpp(site_id=site_id)
    saved = await admin.portal.post(f"/portal/sites/{site_id}/load-balancing", {
        "limit": "32", "unit": "A", "phases": "3", "voltage": "230", "enabled": "true", "periods": "0"})
    assert saved.status_code == 303
    async with events(admin.portal.http, f"/portal/live/sites/{site_id}/load") as next_event:
        idle = await next_matching(next_event, lambda html: html.count("Follows the profiles") == 2)
        assert a.id in idle and b.id in idle and "No session is running." in idle
        assert 'data-metric="limit-now">32.0 A<' in idle
        await start(a, "CARD-A")
        await start(b, "CARD-B")
        both = await next_matching(next_event, lambda html: sorted(share_rows(html).values()) == [
            ("16.0 A", "accepted"), ("16.0 A", "accepted")], timeout=10)
    assert set(share_rows(both)) == {await session_of(tenant, a), await session_of(tenant, b)}
    assert both.count("Its share of the limit") == 2 and 'data-metric="planned">32.0 A<' in both

    # The same shares on the pages of the session and the charger.
    session = (await admin.portal.get(f"/portal/sessions/{await session_of(tenant, a)}")).text
    assert re.search(r'data-smart="share">16.0 A · Its share of the limit<', session)
    charger = (await admin.portal.get(f"/portal/charge-points/{a.cp_id}")).text
    assert "Follows the profiles" in charger and f'href="/portal/sites/{site_id}#load-balancing"' in charger
    assert "16.0 A" in charger.split('id="load-balancing"')[1]  # the limit it last accepted


async def test_a_chargers_settings_and_its_schedule(fleet: Fleet, tenant: TenantHandle,  # noqa: F811
                                                    admin: PortalPerson) -> None:
    charger = await fleet.ocpp()
    portal, path = admin.portal, f"/portal/charge-points/{charger.cp_id}"
    page = (await portal.get(path)).text
    assert 'id="load-balancing"' in page and "Nothing sent yet" in page and "Off: it is not at a site" in page
    assert 'name="min_current_a"' in page and 'value="6"' in page and 'value="32"' in page

    saved = await portal.post(f"{path}/load-balancing", {"min_current_a": "8", "max_current_a": "20,5",
                                                         "phases": "1", "priority": "5"})
    assert (saved.status_code, saved.headers["location"]) == (303, f"{path}#load-balancing")
    stored = (await tenant.api.get(f"{API}/charge-points/{charger.cp_id}/charging-settings")).json()
    assert (stored["min_current_a"], stored["max_current_a"], stored["phases"], stored["priority"]) == (
        "8.0", "20.5", 1, 5)
    wrong = await portal.post(f"{path}/load-balancing", {"min_current_a": "8", "max_current_a": "lots",
                                                         "phases": "1", "priority": "500"})
    assert wrong.status_code == 422
    assert error_at(wrong.text, "max_current_a") == "Input should be a valid decimal"
    assert error_at(wrong.text, "priority") == "Input should be less than or equal to 100"
    assert 'value="lots"' in wrong.text
    crossed = await portal.post(f"{path}/load-balancing", {"min_current_a": "25"})  # above the stored maximum
    assert crossed.status_code == 409 and 'aria-describedby="e-min_current_a"' in crossed.text
    stored = (await tenant.api.get(f"{API}/charge-points/{charger.cp_id}/charging-settings")).json()
    assert (stored["min_current_a"], stored["priority"]) == ("8.0", 5)

    # Its schedule, asked of the charger: in place (htmx), or on a page of its own.
    form = {"connector_id": "0", "duration": "21600", "unit": "A"}
    answer = await portal.post(f"{path}/charging-schedule", form, htmx=True)
    assert answer.status_code == 200 and "The charger answered: Accepted" in answer.text
    assert re.search(r"<td data-limit>16.0 A</td>", answer.text)
    assert await charger.next_call() == ("GetCompositeSchedule", {"connectorId": 0, "duration": 21600,
                                                                 "chargingRateUnit": "A"})
    charger.replies["GetCompositeSchedule"] = call_result.GetCompositeSchedule(status="Rejected")
    plain = await portal.post(f"{path}/charging-schedule", {"connector_id": "1", "duration": "3600"})
    assert plain.status_code == 200 and "The charger answered: Refused" in plain.text
    assert "<h1>Charging schedule" in plain.text and "data-limit" not in plain.text
    assert (await charger.next_call())[1] == {"connectorId": 1, "duration": 3600}
    bad = await portal.post(f"{path}/charging-schedule", {"connector_id": "x"})
    assert bad.status_code == 422 and "Enter 0 or a connector&#39;s number." in bad.text
    await charger.close()
    await eventually(lambda: _not_connected(tenant, charger.cp_id), what="the charger to be gone")
    gone = await portal.post(f"{path}/charging-schedule", {"connector_id": "0"})
    assert gone.status_code == 409 and "The charger is not connected" in gone.text


async def _not_connected(tenant: TenantHandle, cp_id: str) -> bool:
    return not (await tenant.api.get(f"{API}/charge-points/{cp_id}")).json()["connected"]


async def test_an_operator_sets_a_sessions_target_and_sees_it_reached(fleet: Fleet, tenant: TenantHandle,  # noqa: F811
                                                                       admin: PortalPerson) -> None:
    await add_token(tenant.api, "CARD-T")
    charger = await fleet.ocpp()
    transaction = await start(charger, "CARD-T", meter_start=1000)
    session_id = await session_of(tenant, charger)
    portal, path = admin.portal, f"/portal/sessions/{session_id}"
    page = (await portal.get(path)).text
    assert 'id="target"' in page and "No target" in page and f'action="{path}/target"' in page

    empty = await portal.post(f"{path}/target", {"energy_kwh": "", "soc_percent": ""})
    assert empty.status_code == 422 and "Enter an amount of energy, a battery level, or both." in empty.text
    wrong = await portal.post(f"{path}/target", {"energy_kwh": "lots", "soc_percent": "150"})
    assert wrong.status_code == 422 and error_at(wrong.text, "energy_kwh") == "Enter a number."
    wrong = await portal.post(f"{path}/target", {"energy_kwh": "2", "soc_percent": "150"})
    assert wrong.status_code == 422
    assert error_at(wrong.text, "soc_percent") == "Input should be less than or equal to 100"
    saved = await portal.post(f"{path}/target", {"energy_kwh": "2,5", "soc_percent": ""})
    assert (saved.status_code, saved.headers["location"]) == (303, f"{path}#target")
    stored = (await tenant.api.get(f"{API}/sessions/{session_id}/charging-target")).json()
    assert (stored["energy_wh"], stored["soc_percent"], stored["reached_at"]) == (2500, None, None)
    page = (await portal.get(path)).text
    assert re.search(r'data-smart="target">2.500 kWh. Not reached yet.<', page) and 'value="2.5"' in page

    # 2.6 kWh drawn: the session is held at 0 A (the charger accepts the profile), the page says so.
    await charger.call(call.MeterValues(connector_id=1, transaction_id=transaction, meter_value=[{
        "timestamp": now_iso(), "sampledValue": [{"value": "3600", "measurand": "Energy.Active.Import.Register",
                                                  "unit": "Wh"}]}]), suppress=False)
    action, payload = await charger.next_call()
    assert action == "SetChargingProfile"
    assert payload["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 0
    reached = await eventually(lambda: _page_when(portal, path, "Reached"), what="the target reached")
    assert "charging is paused." in reached and re.search(r'data-smart="share">0.0 A · Target reached<', reached)

    removed = await portal.post(f"{path}/target/remove")
    assert removed.status_code == 303
    assert (await tenant.api.get(f"{API}/sessions/{session_id}/charging-target")).status_code == 404
    await charger.call(call.StopTransaction(meter_stop=3600, timestamp=now_iso(), transaction_id=transaction),
                       suppress=False)
    ended = await portal.post(f"{path}/target", {"energy_kwh": "5"})
    assert ended.status_code == 409 and "the session has ended" in ended.text


async def _page_when(portal: Any, path: str, text: str) -> str | None:
    html: str = (await portal.get(path)).text
    return html if text in html else None


async def test_other_tenants_and_members_without_rights(running_app: RunningApp, fleet: Fleet,  # noqa: F811
                                                        tenant: TenantHandle, other_tenant: TenantHandle,
                                                        admin: PortalPerson) -> None:
    account = await make_account(running_app, tenant.id, name="Depot Ltd")
    site_id = await site(tenant, account_id=str(account))
    charger = await fleet.ocpp(site_id=site_id, account_id=str(account))
    await add_token(tenant.api, "CARD-M")
    await start(charger, "CARD-M")
    session_id = await session_of(tenant, charger)
    limit = {"limit": "32", "unit": "A", "phases": "3", "voltage": "230", "enabled": "true", "periods": "0"}
    stranger = await portal_user(running_app, other_tenant.id, other_tenant.slug, roles=[(Role.TENANT_ADMIN, None)])
    member = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.ACCOUNT_MEMBER, account)])
    try:
        for path in (f"/portal/sites/{site_id}/load-balancing", f"/portal/live/sites/{site_id}/load",
                     f"/portal/charge-points/{charger.cp_id}/load-balancing", f"/portal/sessions/{session_id}/target"):
            assert (await stranger.portal.get(path)).status_code == 404, path
        for path, form in ((f"/portal/sites/{site_id}/load-balancing", limit),
                           (f"/portal/sites/{site_id}/load-balancing/remove", {}),
                           (f"/portal/charge-points/{charger.cp_id}/load-balancing", {"priority": "9"}),
                           (f"/portal/charge-points/{charger.cp_id}/charging-schedule", {"connector_id": "0"}),
                           (f"/portal/sessions/{session_id}/target", {"energy_kwh": "5"})):
            assert (await stranger.portal.post(path, form)).status_code == 404, path
        assert (await tenant.api.get(f"{API}/sites/{site_id}/charging-limit")).status_code == 404

        # A member reads the load and the settings, and may command the charger (a target), not change them.
        page = (await member.portal.get(f"/portal/sites/{site_id}")).text
        assert 'id="load-balancing"' in page and f'href="/portal/sites/{site_id}/load-balancing"' not in page
        assert (await member.portal.get(f"/portal/sites/{site_id}/load-balancing")).status_code == 403
        assert (await member.portal.post(f"/portal/sites/{site_id}/load-balancing", limit)).status_code == 403
        cp_page = (await member.portal.get(f"/portal/charge-points/{charger.cp_id}")).text
        assert 'id="load-balancing"' in cp_page and 'name="min_current_a"' not in cp_page
        assert (await member.portal.post(f"/portal/charge-points/{charger.cp_id}/load-balancing",
                                         {"priority": "9"})).status_code == 403
        assert (await tenant.api.get(f"{API}/sites/{site_id}/charging-limit")).status_code == 404
        settings = (await tenant.api.get(f"{API}/charge-points/{charger.cp_id}/charging-settings")).json()
        assert settings["priority"] == 0
        target = await member.portal.post(f"/portal/sessions/{session_id}/target", {"soc_percent": "80"})
        assert target.status_code == 303
        assert (await tenant.api.get(f"{API}/sessions/{session_id}/charging-target")).json()["soc_percent"] == 80
    finally:
        for person in (stranger, member):
            await person.portal.aclose()
            await person.person.api.aclose()


async def test_a_driver_stops_at_a_target_on_their_own_session_only(fleet: Fleet, running_app: RunningApp,  # noqa: F811
                                                                     tenant: TenantHandle) -> None:
    await open_for_people(running_app, tenant.id)  # all five languages
    account = await make_account(running_app, tenant.id, name="Home")
    charger = await fleet.ocpp(account_id=str(account))
    me = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.DRIVER, account)])
    other = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.DRIVER, account)])
    try:
        assert (await me.portal.post("/app/cards", {"uid": "MY-FOB"})).status_code == 303
        await start(charger, "MY-FOB")
        session_id = await session_of(tenant, charger)
        path = f"/app/sessions/{session_id}"
        page = (await me.portal.get(path)).text
        assert 'id="stop-at"' in page and f'action="{path}/stop-at"' in page and "stop-at/remove" not in page

        wrong = await me.portal.post(f"{path}/stop-at", {"energy_kwh": "", "soc_percent": "0"})
        assert wrong.status_code == 422
        assert error_at(wrong.text, "soc_percent") == "Input should be greater than or equal to 1"
        assert 'inputmode="numeric"' in wrong.text and 'data-app="driver"' in wrong.text
        assert (await other.portal.post(f"{path}/stop-at", {"energy_kwh": "10"})).status_code == 404
        assert (await other.portal.get(f"{path}/stop-at")).status_code == 404
        assert (await tenant.api.get(f"{API}/sessions/{session_id}/charging-target")).status_code == 404

        saved = await me.portal.post(f"{path}/stop-at", {"energy_kwh": "10", "soc_percent": "80"})
        assert (saved.status_code, saved.headers["location"]) == (303, path)
        stored = (await tenant.api.get(f"{API}/sessions/{session_id}/charging-target")).json()
        assert (stored["energy_wh"], stored["soc_percent"]) == (10000, 80)
        page = (await me.portal.get(path)).text
        stop_at = re.search(r'<p data-smart="stop-at">(.*?)</p>', page, re.S)
        assert stop_at and "10.000 kWh or 80% battery, whichever comes first" in stop_at.group(1)
        assert f'action="{path}/stop-at/remove"' in page and 'value="10"' in page
        running = (await me.portal.get("/app/charging")).text
        assert 'data-smart="stop-at"' in running  # with the running session, in the list too
        await me.portal.post("/language", {"language": "et", "next": path})
        estonian = (await me.portal.get(path)).text
        assert "Laadi kuni" in estonian and "10,000 kWh või aku 80%, kumb enne saabub" in estonian
        await me.portal.post("/language", {"language": "en", "next": path})

        assert (await other.portal.post(f"{path}/stop-at/remove")).status_code == 404
        assert (await me.portal.post(f"{path}/stop-at/remove")).status_code == 303
        assert (await tenant.api.get(f"{API}/sessions/{session_id}/charging-target")).status_code == 404
        assert 'data-smart="stop-at"' not in (await me.portal.get(path)).text
    finally:
        for person in (me, other):
            await person.portal.aclose()
            await person.person.api.aclose()
