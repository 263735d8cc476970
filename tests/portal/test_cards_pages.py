"""Cards in the operator portal: search and filters, create, block/unblock, assign, restrict, edit,
delete, batch import (100 cards from an XLSX file), tenants and roles."""

from __future__ import annotations

import re
from typing import Any

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import World, card
from tests.cards.test_import import csv_file, xlsx_file
from tests.portal.org_support import API, XLSX, MakePerson, api_json, org_world, people
from tests.portal.support import PortalPerson
from tests.support.tenants import TenantHandle

__all__ = ["org_world", "people"]

CARD_URL = re.compile(r"^/portal/cards/([0-9a-f-]{36})$")


def uids_in(html: str) -> set[str]:
    return set(re.findall(r'href="/portal/cards/[0-9a-f-]{36}"><code>([^<]+)</code>', html))


def field_error(html: str, field: str) -> str | None:
    found = re.search(rf'<small id="e-{field}" class="field-error">([^<]*)</small>', html)
    return found.group(1) if found else None


async def the_card(tenant: TenantHandle, card_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await api_json(tenant.api, f"/id-tokens/{card_id}")
    return found


async def test_the_list_searches_and_filters(world: World, admin: PortalPerson) -> None:
    api = world.tenant.api
    fleet = await world.account("Fleet")
    holder = await world.person((Role.DRIVER, fleet))
    await card(api, uid="04AA01", label="Van 1", user_id=str(holder.user_id), account_id=str(fleet))
    await card(api, uid="04BB02", status="blocked", contract_id="EE-CPL-C00000002-2")
    await card(api, kind="virtual", label="App card")
    portal = admin.portal

    everything = await portal.get("/portal/cards")
    assert everything.status_code == 200
    shown = uids_in(everything.text)
    assert {"04AA01", "04BB02"} <= shown and len(shown) == 3
    assert holder.email in everything.text and "Blocked" in everything.text

    async def found(**params: str) -> set[str]:
        return uids_in((await portal.get("/portal/cards", params=params)).text)

    assert await found(q="04aa") == {"04AA01"}
    assert await found(q=holder.email.split("@")[0].upper()) == {"04AA01"}
    assert await found(q="c00000002") == {"04BB02"}
    assert await found(q="van") == {"04AA01"}
    assert await found(status="blocked") == {"04BB02"}
    assert await found(account_id=str(fleet)) == {"04AA01"}
    virtual = await found(kind="virtual")
    assert len(virtual) == 1 and next(iter(virtual)).startswith("V")
    assert await found(status="no-such-status") == shown  # a stale link is no filter


async def test_create_a_card_and_a_bad_form(world: World, tenant: TenantHandle, admin: PortalPerson) -> None:
    fleet = await world.account("Fleet")
    holder = await world.person((Role.DRIVER, fleet))
    portal = admin.portal
    assert (await portal.get("/portal/cards/new")).status_code == 200
    created = await portal.post("/portal/cards/new", {
        "kind": "physical", "uid": "CARD-1", "status": "accepted", "label": "Fleet 1", "user_email": holder.email,
        "account_id": str(fleet), "contract_id": "", "expires_on": "2031-05-31"})
    assert created.status_code == 303, created.text
    found = CARD_URL.match(created.headers["location"])
    assert found is not None
    made = await the_card(tenant, found.group(1))
    assert (made["uid"], made["label"], made["user_id"], made["account_id"], made["expires_at"]) == (
        "CARD-1", "Fleet 1", str(holder.user_id), str(fleet), "2031-06-01T00:00:00Z")  # the admin's zone is UTC
    page = await portal.get(created.headers["location"])
    assert "CARD-1" in page.text and holder.email in page.text and 'value="2031-05-31"' in page.text

    virtual = await portal.post("/portal/cards/new", {"kind": "virtual", "uid": "", "status": "accepted"})
    assert virtual.status_code == 303
    assert (await the_card(tenant, virtual.headers["location"].rsplit("/", 1)[1]))["uid"].startswith("V")

    cases = [
        ({"kind": "physical", "uid": ""}, "uid", "uid is required"),
        ({"kind": "physical", "uid": "X1", "user_email": "nobody@example.test"}, "user_email", "no user of yours"),
        ({"kind": "physical", "uid": "X2", "expires_on": "someday"}, "expires_on", "Enter a date"),
        ({"kind": "physical", "uid": "X3", "contract_id": "not a contract"}, "contract_id", ""),
    ]
    for form, field, words in cases:
        answer = await portal.post("/portal/cards/new", form)
        assert answer.status_code == 422, (form, answer.status_code)
        message = field_error(answer.text, field)
        assert message is not None and words in message, (field, message)
    clash = await portal.post("/portal/cards/new", {"kind": "physical", "uid": "card-1"})
    assert clash.status_code == 409 and "exists" in (field_error(clash.text, "uid") or "")
    items = (await api_json(tenant.api, "/id-tokens"))["items"]
    assert sorted(c["uid"][:1] for c in items) == ["C", "V"]


async def test_block_assign_restrict_edit_and_delete(world: World, tenant: TenantHandle, admin: PortalPerson) -> None:
    api = tenant.api
    holder = await world.person((Role.DRIVER, None))
    site = await world.site("Depot")
    cp = await world.charge_point(name="Gate")
    card_id = (await card(api, uid="04CC03"))["id"]
    portal, path = admin.portal, f"/portal/cards/{card_id}"
    page = await portal.get(path)
    assert page.status_code == 200 and "Depot" in page.text and cp["identity"] in page.text

    assert (await portal.post(f"{path}/block")).status_code == 303
    assert (await the_card(tenant, card_id))["status"] == "blocked"
    assert ">Unblock<" in (await portal.get(path)).text
    assert (await portal.post(f"{path}/unblock")).status_code == 303
    assert (await the_card(tenant, card_id))["status"] == "accepted"

    assert (await portal.post(f"{path}/holder", {"user_email": holder.email.upper()})).status_code == 303
    assert (await the_card(tenant, card_id))["user_id"] == str(holder.user_id)
    nobody = await portal.post(f"{path}/holder", {"user_email": "nobody@example.test"})
    assert nobody.status_code == 422 and "no user of yours" in (field_error(nobody.text, "user_email") or "")
    held = await portal.post(f"{path}/delete")
    assert held.status_code == 409 and "unassign it first" in held.text
    assert (await portal.post(f"{path}/holder", {"user_email": ""})).status_code == 303
    assert (await the_card(tenant, card_id))["user_id"] is None

    restricted = await portal.post(f"{path}/places", {"site_ids": [str(site)], "charge_point_ids": [cp["id"]]})
    assert restricted.status_code == 303
    state = await the_card(tenant, card_id)
    assert (state["restricted"], state["site_ids"], state["charge_point_ids"]) == (True, [str(site)], [cp["id"]])
    assert "Only at the places below" in (await portal.get(path)).text
    assert (await portal.post(f"{path}/places", {"site_ids": [str(site)], "clear": "1"})).status_code == 303
    state = await the_card(tenant, card_id)
    assert (state["restricted"], state["site_ids"], state["charge_point_ids"]) == (False, [], [])
    bad_place = await portal.post(f"{path}/places", {"site_ids": ["not-an-id"]})
    assert bad_place.status_code == 422 and field_error(bad_place.text, "site_ids")

    edited = await portal.post(f"{path}/edit", {"status": "expired", "label": "Spare", "contract_id": "",
                                                "parent_uid": "FLEET", "expires_on": ""})
    assert edited.status_code == 303
    state = await the_card(tenant, card_id)
    assert (state["status"], state["label"], state["parent_uid"]) == ("expired", "Spare", "FLEET")

    assert (await portal.post(f"{path}/delete")).headers["location"] == "/portal/cards?done=deleted"
    assert (await api.get(f"{API}/id-tokens/{card_id}")).status_code == 404


async def test_import_100_cards_from_xlsx_or_nothing(world: World, tenant: TenantHandle, admin: PortalPerson) -> None:
    portal = admin.portal
    template = await portal.get("/portal/cards/import/template.csv")
    assert template.text.startswith("uid,kind,status,expires_at,contract_id,label,user_email,account_id,parent_uid")
    assert "parent_uid" in (await portal.get("/portal/cards/import")).text

    bad = csv_file("uid,status,user_email", "OK-1,accepted,", "OK-2,stolen,", "ok-1,,")
    refused = await portal.post("/portal/cards/import", files={"file": ("cards.csv", bad, "text/csv")})
    assert refused.status_code == 422 and "Nothing was imported" in refused.text
    problems = re.findall(r"<tr><td>(\d+)</td><td>([a-z_]*)</td><td>([^<]*)</td></tr>", refused.text)
    assert {(row, column) for row, column, _ in problems} == {("3", "status"), ("4", "uid")}
    assert (await api_json(tenant.api, "/id-tokens"))["items"] == []

    fleet = await world.account("Fleet")
    rows: list[list[Any]] = [["uid", "label", "account_id"]]
    rows += [[f"04{n:08X}", f"Card {n}", str(fleet)] for n in range(100)]
    answer = await portal.post("/portal/cards/import", files={"file": ("cards.xlsx", xlsx_file(rows), XLSX)})
    assert (answer.status_code, answer.headers["location"]) == (303, "/portal/cards?imported=100")
    assert "100 cards imported" in (await portal.get(answer.headers["location"])).text
    items = (await api_json(tenant.api, "/id-tokens", limit=500))["items"]
    assert len(items) == 100 and {c["account_id"] for c in items} == {str(fleet)}


async def test_another_tenants_card_is_not_found(other_tenant: TenantHandle, admin: PortalPerson) -> None:
    theirs = (await card(other_tenant.api, uid="THEIRS"))["id"]
    portal = admin.portal
    assert (await portal.get(f"/portal/cards/{theirs}")).status_code == 404
    for action, form in (("block", {}), ("holder", {"user_email": ""}), ("places", {}), ("delete", {})):
        assert (await portal.post(f"/portal/cards/{theirs}/{action}", form)).status_code == 404, action
    assert uids_in((await portal.get("/portal/cards", params={"q": "THEIRS"})).text) == set()
    assert (await api_json(other_tenant.api, f"/id-tokens/{theirs}"))["status"] == "accepted"


async def test_roles_without_the_permission_are_refused(world: World, tenant: TenantHandle,
                                                       people: MakePerson) -> None:
    account = await world.account()
    card_id = (await card(tenant.api, uid="MEMBERS", account_id=str(account)))["id"]
    member = await people(Role.ACCOUNT_MEMBER, account)
    assert "MEMBERS" in (await member.portal.get("/portal/cards")).text
    assert (await member.portal.get("/portal/cards/new")).status_code == 403
    assert (await member.portal.post("/portal/cards/new", {"uid": "NEW-1", "account_id": str(account)})).status_code \
        == 403
    sheet = csv_file("uid", "SNEAKY")
    assert (await member.portal.post("/portal/cards/import", files={"file": ("c.csv", sheet, "text/csv")})
            ).status_code == 403
    assert (await member.portal.post(f"/portal/cards/{card_id}/block")).status_code == 403
    support = await people(Role.CUSTOMER_SUPPORT)
    assert (await support.portal.post(f"/portal/cards/{card_id}/delete")).status_code == 403
    state = await the_card(tenant, card_id)
    assert state["status"] == "accepted"
    assert [c["uid"] for c in (await api_json(tenant.api, "/id-tokens"))["items"]] == ["MEMBERS"]
