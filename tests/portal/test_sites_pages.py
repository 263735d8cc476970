"""Sites and stations in the operator portal: the list with live charger states, a site's page,
create/edit/delete, batch import from CSV and XLSX, tenants and roles."""

from __future__ import annotations

import re
import uuid

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import World
from tests.cards.test_import import csv_file, xlsx_file
from tests.portal.org_support import API, XLSX, MakePerson, api_json, next_frame, org_world, people
from tests.portal.support import PortalPerson
from tests.support.tenants import TenantHandle

__all__ = ["org_world", "people"]

SITE_URL = re.compile(r"^/portal/sites/([0-9a-f-]{36})$")


async def test_the_list_and_a_station_show_chargers_in_their_live_states(world: World, admin: PortalPerson) -> None:
    account = await world.account("Harbour Ltd")
    harbour = await world.site("Harbour", account_id=account)
    await world.site("Empty lot")
    busy = await world.charge_point(site_id=harbour, name="Left")
    idle = await world.charge_point(site_id=harbour, name="Right")
    charger = await world.connect(busy)
    await charger.result("StatusNotification", {"connectorId": 1, "status": "Charging", "errorCode": "NoError"})

    listing = await admin.portal.get("/portal/sites")
    assert listing.status_code == 200
    row = listing.text.split(f'href="/portal/sites/{harbour}"', 1)[1].split("</tr>", 1)[0]
    assert "Harbour Ltd" in row and "Harbour street 1" in row
    assert 'state-charging">Charging' in row and 'state-offline">Offline' in row
    assert "Empty lot" in listing.text and "No chargers" in listing.text

    station = await admin.portal.get(f"/portal/sites/{harbour}")
    assert station.status_code == 200
    for cp in (busy, idle):
        assert f'href="/portal/charge-points/{cp["id"]}">{cp["identity"]}</a>' in station.text
    assert 'state-charging">Charging' in station.text and "Harbour Ltd" in station.text
    assert f'sse-connect="/portal/live/sites/{harbour}"' in station.text

    # The station's chargers follow by themselves: the charger that drops off shows offline.
    async with admin.portal.http.stream("GET", f"/portal/live/sites/{harbour}") as live:
        lines = live.aiter_lines()
        await next_frame(lines, lambda html: "state-charging" in html)
        await charger.close()
        after = await next_frame(lines, lambda html: "state-charging" not in html)
    assert after.count('state-offline">Offline') == 2


async def test_create_edit_and_delete_a_site(world: World, tenant: TenantHandle, admin: PortalPerson) -> None:
    account = await world.account("Owner Ltd")
    portal = admin.portal
    assert (await portal.get("/portal/sites/new")).status_code == 200
    created = await portal.post("/portal/sites/new", {
        "name": "Depot", "address": "Tee 1, Tallinn", "time_zone": "Europe/Tallinn", "latitude": "59.43",
        "longitude": "24.75", "account_id": str(account)})
    assert created.status_code == 303, created.text
    found = SITE_URL.match(created.headers["location"])
    assert found is not None
    site_id = found.group(1)
    site = await api_json(tenant.api, f"/sites/{site_id}")
    assert (site["name"], site["address"], site["time_zone"], site["latitude"], site["longitude"],
            site["account_id"]) == ("Depot", "Tee 1, Tallinn", "Europe/Tallinn", 59.43, 24.75, str(account))

    edited = await portal.post(f"/portal/sites/{site_id}/edit", {
        "name": "Depot North", "address": "", "time_zone": "Europe/Riga", "latitude": "", "longitude": "",
        "account_id": ""})
    assert edited.status_code == 303
    site = await api_json(tenant.api, f"/sites/{site_id}")
    assert (site["name"], site["address"], site["time_zone"], site["latitude"], site["account_id"]) == (
        "Depot North", None, "Europe/Riga", None, None)

    cp = await world.charge_point(site_id=uuid.UUID(site_id))
    page = await portal.get(f"/portal/sites/{site_id}")
    assert "Its chargers stay, without a site" in page.text
    deleted = await portal.post(f"/portal/sites/{site_id}/delete")
    assert (deleted.status_code, deleted.headers["location"]) == (303, "/portal/sites?done=deleted")
    assert (await tenant.api.get(f"{API}/sites/{site_id}")).status_code == 404
    assert (await api_json(tenant.api, f"/charge-points/{cp['id']}"))["site_id"] is None
    assert "The site was deleted" in (await portal.get("/portal/sites?done=deleted")).text


async def test_a_bad_site_form_says_what_is_wrong_next_to_the_field(tenant: TenantHandle,
                                                                   admin: PortalPerson) -> None:
    cases = [
        ({"name": "", "time_zone": "UTC"}, "name", "at least 1 character"),
        ({"name": "Far", "latitude": "200"}, "latitude", "less than or equal to 90"),
        ({"name": "Far", "longitude": "east"}, "longitude", "valid number"),
        ({"name": "Nowhere", "time_zone": "Mars/Olympus"}, "time_zone", "is not an IANA time zone"),
    ]
    for form, field, words in cases:
        answer = await admin.portal.post("/portal/sites/new", form)
        assert answer.status_code == 422, (form, answer.status_code)
        message = re.search(rf'<small id="e-{field}" class="field-error">([^<]*)</small>', answer.text)
        assert message is not None and words in message.group(1), (field, answer.text[-2000:])
        assert f'name="{field}"' in answer.text
    assert await api_json(tenant.api, "/sites") == []


async def test_import_sites_from_csv_and_xlsx_all_or_nothing(world: World, tenant: TenantHandle,
                                                            admin: PortalPerson) -> None:
    portal = admin.portal
    form = await portal.get("/portal/sites/import")
    assert form.status_code == 200 and "time_zone" in form.text
    template = await portal.get("/portal/sites/import/template.csv")
    assert template.text.splitlines()[0] == "name,address,latitude,longitude,time_zone,account_id"

    account = await world.account("Importer")
    good = csv_file("name;address;latitude;longitude;time_zone;account_id",
                    f"North;Põhja 1;59.44;24.75;Europe/Tallinn;{account}",
                    "South;;;;;")
    answer = await portal.post("/portal/sites/import", files={"file": ("sites.csv", good, "text/csv")})
    assert (answer.status_code, answer.headers["location"]) == (303, "/portal/sites?imported=2")
    assert "2 sites imported" in (await portal.get(answer.headers["location"])).text
    sites = {s["name"]: s for s in await api_json(tenant.api, "/sites")}
    assert sites["North"]["address"] == "Põhja 1" and sites["North"]["account_id"] == str(account)
    assert sites["South"]["time_zone"] == "UTC"

    bad = xlsx_file([["name", "latitude", "time_zone"], ["East", 59.1, "Europe/Tallinn"],
                     ["West", "north", "Nowhere/Land"], [None, 10, None]])
    refused = await portal.post("/portal/sites/import", files={"file": ("sites.xlsx", bad, XLSX)})
    assert refused.status_code == 422
    assert "Nothing was imported" in refused.text
    problems = re.findall(r"<tr><td>(\d+)</td><td>([a-z_]*)</td><td>([^<]*)</td></tr>", refused.text)
    assert {(row, column) for row, column, _ in problems} == {("3", "latitude"), ("3", "time_zone"), ("4", "name")}
    assert any("Nowhere/Land" in message for _, _, message in problems)
    assert {s["name"] for s in await api_json(tenant.api, "/sites")} == {"North", "South"}

    not_a_sheet = await portal.post("/portal/sites/import", files={"file": ("sites.pdf", b"%PDF", "application/pdf")})
    assert not_a_sheet.status_code == 422 and 'id="e-file"' in not_a_sheet.text
    assert (await portal.post("/portal/sites/import")).status_code == 422


async def test_another_tenants_site_is_not_found(world: World, other_tenant: TenantHandle,
                                                 admin: PortalPerson) -> None:
    theirs = (await other_tenant.api.post(f"{API}/sites", json={"name": "Theirs"})).json()["id"]
    portal = admin.portal
    for path in (f"/portal/sites/{theirs}", f"/portal/sites/{theirs}/edit", f"/portal/live/sites/{theirs}"):
        assert (await portal.get(path)).status_code == 404, path
    assert (await portal.post(f"/portal/sites/{theirs}/edit", {"name": "Mine now"})).status_code == 404
    assert (await portal.post(f"/portal/sites/{theirs}/delete")).status_code == 404
    assert (await api_json(other_tenant.api, f"/sites/{theirs}"))["name"] == "Theirs"


async def test_roles_without_the_permission_are_refused(world: World, tenant: TenantHandle, people: MakePerson) -> None:
    account = await world.account()
    site_id = await world.site("Theirs to see", account_id=account)
    member = await people(Role.ACCOUNT_MEMBER, account)
    portal = member.portal
    assert "Theirs to see" in (await portal.get("/portal/sites")).text
    assert "/portal/sites/new" not in (await portal.get("/portal/sites")).text
    assert (await portal.get("/portal/sites/new")).status_code == 403
    assert (await portal.post("/portal/sites/new", {"name": "Mine", "account_id": str(account)})).status_code == 403
    csv = csv_file("name", "Sneaky")
    assert (await portal.post("/portal/sites/import", files={"file": ("s.csv", csv, "text/csv")})).status_code == 403
    assert (await portal.post(f"/portal/sites/{site_id}/delete")).status_code == 403
    support = await people(Role.CUSTOMER_SUPPORT)
    assert (await support.portal.post(f"/portal/sites/{site_id}/delete")).status_code == 403
    assert {s["name"] for s in await api_json(tenant.api, "/sites")} == {"Theirs to see"}
