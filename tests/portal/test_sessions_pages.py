"""Session pages: search and filters (days in the viewer's time zone), cost from the CDR, a session's page
with its chart and cost breakdown, the CSV export (streamed, the same filters), pages, and reach."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

from chargeplane.db import Scope
from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.sessions.models import ChargingSession
from tests.portal.support import PortalPerson, portal_user
from tests.support.chargers import RawCharger, iso, register_charger
from tests.support.people import make_account
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

DAY = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def listed(html: str) -> list[str]:
    """The session ids a list page shows, in order."""
    return re.findall(r'<td><a href="/portal/sessions/([0-9a-f-]+)">', html)


async def _charger(running: RunningApp, api: Any) -> RawCharger:
    cp = await register_charger(api)
    charger = await RawCharger.connect(running.ws_url, cp["identity"])
    charger.cp_id = cp["id"]
    await charger.boot()
    return charger


async def _sessions(running: RunningApp, tenant: TenantHandle) -> dict[str, Any]:
    """A: normal and priced (start fee 0.50 + 0.9 kWh at 0.30); B: stopped by a power cut, just after
    midnight in Tallinn (still 1 March in UTC); C: running on another charger."""
    tariff = await tenant.api.post("/api/v1/tariffs", json={"name": "Standard", "elements": [
        {"price_components": [{"type": "FLAT", "price": "0.50"}]},
        {"price_components": [{"type": "ENERGY", "price": "0.30", "step_size": 1}]}]})
    assert tariff.status_code == 201, tariff.text
    for uid in ("DRIVER1", "DRIVER2"):
        await tenant.api.post("/api/v1/id-tokens", json={"uid": uid})
    one, two = await _charger(running, tenant.api), await _charger(running, tenant.api)
    a = await one.result("StartTransaction", {"connectorId": 1, "idTag": "DRIVER1", "meterStart": 0,
                                              "timestamp": iso(DAY)})
    await one.result("MeterValues", {"connectorId": 1, "transactionId": a["transactionId"], "meterValue": [
        {"timestamp": iso(DAY + timedelta(minutes=30)), "sampledValue": [
            {"value": "400", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
            {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW"}]}]})
    await one.result("StopTransaction", {"transactionId": a["transactionId"], "meterStop": 900,
                                         "timestamp": iso(DAY + timedelta(hours=1)), "reason": "EVDisconnected"})
    b_start = DAY + timedelta(hours=15)  # 23:00 UTC, 01:00 on 2 March in Tallinn
    b = await one.result("StartTransaction", {"connectorId": 1, "idTag": "driver1", "meterStart": 900,
                                              "timestamp": iso(b_start)})
    await one.result("StopTransaction", {"transactionId": b["transactionId"], "meterStop": 1_000,
                                         "timestamp": iso(b_start + timedelta(minutes=20)), "reason": "PowerLoss"})
    c = await two.result("StartTransaction", {"connectorId": 2, "idTag": "DRIVER2", "meterStart": 50,
                                              "timestamp": iso(DAY + timedelta(days=2))})
    await one.close()
    await two.close()
    everything = (await tenant.api.get("/api/v1/sessions")).json()["items"]
    by_transaction = {s["transaction_id"]: s for s in everything}
    return {"a": by_transaction[a["transactionId"]], "b": by_transaction[b["transactionId"]],
            "c": by_transaction[c["transactionId"]], "one": one.cp_id, "two": two.cp_id}


async def _in_tallinn(admin: PortalPerson) -> None:
    changed = await admin.person.api.patch("/api/v1/auth/me", json={"time_zone": "Europe/Tallinn"})
    assert changed.status_code == 200, changed.text


async def test_search_filters_and_costs(running_app: RunningApp, tenant: TenantHandle, admin: PortalPerson) -> None:
    s = await _sessions(running_app, tenant)
    await _in_tallinn(admin)
    a, b, c = s["a"]["id"], s["b"]["id"], s["c"]["id"]
    page = await admin.portal.get("/portal/sessions")
    assert page.status_code == 200 and listed(page.text) == [c, b, a]
    row_a = page.text.split(f'/portal/sessions/{a}"')[1].split("</tr>")[0]
    assert "0.900 kWh" in row_a and "€0.77" in row_a and "01/03/2026, 10:00" in row_a  # Tallinn time
    assert "Abnormal" in page.text.split(f'/portal/sessions/{b}"')[1].split("</tr>")[0]

    async def search(query: str) -> list[str]:
        return listed((await admin.portal.get(f"/portal/sessions?{query}")).text)

    assert await search(f"charge_point_id={s['two']}") == [c]
    assert await search("id_tag=Driver1") == [b, a]  # a card's uid in any case
    assert await search("status=abnormal") == [b]
    assert await search("state=active") == [c]
    # Days in the viewer's time zone: B began on 2 March in Tallinn, though on 1 March in UTC.
    assert await search("since=2026-03-02&until=2026-03-02") == [b]
    assert await search("since=2026-03-01&until=2026-03-01") == [a]
    assert await search("since=2026-03-03") == [c]
    assert await search("status=&state=&since=not-a-day&id_tag=") == [c, b, a]  # empty or stale: no filter
    assert (await admin.portal.get("/portal/sessions?charge_point_id=nonsense")).status_code == 422
    # The export link carries the filters.
    filtered = (await admin.portal.get("/portal/sessions?status=abnormal")).text
    assert 'href="/portal/sessions/export.csv?status=abnormal"' in filtered


async def test_a_sessions_page_has_its_chart_facts_and_cost(running_app: RunningApp, tenant: TenantHandle,
                                                            admin: PortalPerson) -> None:
    s = await _sessions(running_app, tenant)
    page = await admin.portal.get(f"/portal/sessions/{s['a']['id']}")
    assert page.status_code == 200
    html = page.text
    chart = json.loads(unescape(re.search(r"data-chart='([^']+)'", html).group(1)))  # type: ignore[union-attr]
    assert chart["x"] == [int((DAY + timedelta(minutes=30)).timestamp())]
    assert [series["values"] for series in chart["series"]] == [[0.4], [7.2]]
    assert "0.400 kWh" in html and "7.2 kW" in html  # the readings as a table, for those who cannot see the chart
    assert "Car unplugged" in html and "0.900 kWh" in html  # stop reason, meter at the stop
    assert f'href="/portal/charge-points/{s["one"]}"' in html
    cost = html.split('id="cost-head"')[1]
    assert "Start fee" in cost and "Energy" in cost and "€0.50" in cost and "€0.27" in cost and "€0.77" in cost
    abnormal = (await admin.portal.get(f"/portal/sessions/{s['b']['id']}")).text
    assert "This session is abnormal." in abnormal and "stopped by PowerLoss" in abnormal and "Power cut" in abnormal
    running = (await admin.portal.get(f"/portal/sessions/{s['c']['id']}")).text
    assert "Cost so far" in running


async def test_the_export_streams_every_filtered_session(running_app: RunningApp, tenant: TenantHandle,
                                                        admin: PortalPerson) -> None:
    s = await _sessions(running_app, tenant)
    await _in_tallinn(admin)
    exported = await admin.portal.get("/portal/sessions/export.csv?id_tag=DRIVER1")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert 'filename="sessions.csv"' in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["session_id"] for row in rows] == [s["b"]["id"], s["a"]["id"]]
    a = rows[1]
    assert (a["energy_kwh"], a["cost_incl_vat"], a["currency"], a["status"], a["stop_reason"]) == (
        "0.900", "0.77", "EUR", "normal", "EVDisconnected")
    assert a["started_at"] == "2026-03-01T10:00:00+02:00" and a["charge_point"] == s["a"]["charge_point_identity"]
    assert rows[0]["status"] == "abnormal" and "PowerLoss" in rows[0]["status_reason"]

    # Many more than one batch, read a batch at a time; and the list pages through them.
    def add(uow: Any) -> None:
        uow.session.add_all([ChargingSession(charge_point_identity="BULK-1", connector_id=1, state="completed",
                                             id_tag="=HYPERLINK(1)", started_at=DAY, energy_wh=n)
                             for n in range(620)])

    await running_app.arun(running_app.app.db.write(Scope.tenant(tenant.id), add))
    everything = list(csv.reader(io.StringIO((await admin.portal.get("/portal/sessions/export.csv")).text)))
    assert everything[0][:3] == ["session_id", "transaction_id", "charge_point"]
    assert len(everything) == 1 + 620 + 3 and len({row[0] for row in everything[1:]}) == 623
    # A card's uid that looks like a formula stays text in a spreadsheet.
    assert everything[1][4] == "'=HYPERLINK(1)"
    first = (await admin.portal.get("/portal/sessions")).text
    assert len(listed(first)) == 50
    next_url = re.search(r'href="(/portal/sessions\?cursor=[^"]+)"', first)
    assert next_url
    second = listed((await admin.portal.get(unescape(next_url.group(1)))).text)
    assert len(second) == 50 and not set(second) & set(listed(first))


async def test_sessions_stay_within_reach(running_app: RunningApp, tenant: TenantHandle, other_tenant: TenantHandle,
                                          admin: PortalPerson) -> None:
    mine = await make_account(running_app, tenant.id)

    def add(uow: Any) -> tuple[uuid.UUID, uuid.UUID]:
        own = ChargingSession(charge_point_identity="OWN-1", connector_id=1, state="completed", started_at=DAY,
                              account_id=mine)
        tenants = ChargingSession(charge_point_identity="TENANT-1", connector_id=1, state="completed",
                                  started_at=DAY)
        uow.session.add_all([own, tenants])
        uow.session.flush()
        return own.id, tenants.id

    own, tenants = await running_app.arun(running_app.app.db.write(Scope.tenant(tenant.id), add))
    elsewhere = await running_app.arun(running_app.app.db.write(
        Scope.tenant(other_tenant.id), lambda uow: _one_session(uow)))
    assert (await admin.portal.get(f"/portal/sessions/{elsewhere}")).status_code == 404
    assert str(elsewhere) not in (await admin.portal.get("/portal/sessions/export.csv")).text
    owner = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.ACCOUNT_ADMIN, mine)])
    try:
        assert listed((await owner.portal.get("/portal/sessions")).text) == [str(own)]
        assert (await owner.portal.get(f"/portal/sessions/{tenants}")).status_code == 404
        assert str(tenants) not in (await owner.portal.get("/portal/sessions/export.csv")).text
    finally:
        await owner.portal.aclose()
        await owner.person.api.aclose()


def _one_session(uow: Any) -> uuid.UUID:
    session = ChargingSession(charge_point_identity="ELSEWHERE", connector_id=1, state="completed", started_at=DAY)
    uow.session.add(session)
    uow.session.flush()
    return session.id
