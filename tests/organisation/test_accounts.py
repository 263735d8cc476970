"""Accounts and sub-accounts through the API: kinds, business details, nesting, money fields, the
tree, pagination, changes and removal."""

from __future__ import annotations

from typing import Any

from tests.organisation.conftest import World, ids, items
from tests.support.chargers import register_charger

BUSINESS = {"name": "Acme AS", "kind": "business", "legal_name": "Acme Aktsiaselts",
            "registration_number": "12345678", "vat_number": "ee 101 234 567", "billing_address": "Tartu mnt 1"}


async def _problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    if field is not None:
        assert body.get("field") == field or field in response.text, body
    return body


async def test_create_read_update_accounts_of_each_kind(world: World) -> None:
    api = world.tenant.api
    standard = await api.post("/api/v1/accounts", json={"name": "Plain"})
    assert standard.status_code == 201, standard.text
    assert standard.json()["kind"] == "standard" and standard.json()["parent_id"] is None
    assert standard.headers["location"].endswith(standard.json()["id"])
    consumer = (await api.post("/api/v1/accounts", json={"name": "Jane", "kind": "consumer",
                                                        "email": "Jane@Example.TEST"})).json()
    assert consumer["kind"] == "consumer" and consumer["email"] == "Jane@example.test"
    business = await api.post("/api/v1/accounts", json=BUSINESS)
    assert business.status_code == 201, business.text
    assert business.json()["vat_number"] == "EE101234567"
    got = (await api.get(f"/api/v1/accounts/{business.json()['id']}")).json()
    assert got["legal_name"] == "Acme Aktsiaselts" and got["billing_address"] == "Tartu mnt 1"

    changed = await api.patch(f"/api/v1/accounts/{business.json()['id']}", json={"name": "Acme", "email": None})
    assert changed.status_code == 200 and changed.json()["name"] == "Acme"
    # Turning a plain account into a business one needs the business details.
    await _problem(await api.patch(f"/api/v1/accounts/{standard.json()['id']}", json={"kind": "business"}), 422,
                   "legal_name")
    await _problem(await api.patch(f"/api/v1/accounts/{business.json()['id']}", json={"vat_number": None}), 422,
                   "vat_number")


async def test_business_details_and_vat_numbers_are_checked(world: World) -> None:
    api = world.tenant.api
    for missing in ("legal_name", "registration_number", "vat_number", "billing_address"):
        body = {k: v for k, v in BUSINESS.items() if k != missing}
        await _problem(await api.post("/api/v1/accounts", json=body), 422, missing)
    for bad in ("101234567", "E1234567", "EE1", "EE12345678901234", "EE-12#4", "1E12345678"):
        await _problem(await api.post("/api/v1/accounts", json={**BUSINESS, "vat_number": bad}), 422, "vat_number")
    for good, stored in (("SE556677889901", "SE556677889901"), ("de 123.456.789", "DE123456789"),
                         ("NO923456789MVA", "NO923456789MVA")):
        created = await api.post("/api/v1/accounts", json={**BUSINESS, "vat_number": good})
        assert created.status_code == 201 and created.json()["vat_number"] == stored, created.text


async def test_iban_and_reimbursement_rules(world: World) -> None:
    api = world.tenant.api
    base = {"name": "Employee", "parent_id": str(world.x), "relation": "employee"}
    created = await api.post("/api/v1/accounts", json={**base, "payee_iban": "ee38 2200 2210 2014 5685",
                                                       "reimbursement_rate": "0.2150",
                                                       "reimbursement_currency": "eur"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["payee_iban"] == "EE382200221020145685"
    assert body["reimbursement_rate"] == "0.2150" and body["reimbursement_currency"] == "EUR"
    for iban in ("GB82WEST12345698765432", "DE89 3704 0044 0532 0130 00", "NO93 8601 1117 947",
                 "FR14 2004 1010 0505 0001 3M02 606"):
        ok = await api.post("/api/v1/accounts", json={**base, "payee_iban": iban})
        assert ok.status_code == 201, (iban, ok.text)
    bad_ibans = {
        "EE382200221020145684": "check digits",  # one digit off
        "EE38220022102014568": "20 characters",  # too short for Estonia
        "XX382200221020145685": "not a country",
        "EE38 2200 2210 2014 568!": "IBAN",
        "": None,  # empty means none: accepted
    }
    for iban, says in bad_ibans.items():
        response = await api.post("/api/v1/accounts", json={**base, "payee_iban": iban})
        if says is None:
            assert response.status_code == 201 and response.json()["payee_iban"] is None
            continue
        problem = await _problem(response, 422, "payee_iban")
        assert says in problem["detail"], problem
    rate_cases = [
        ({"reimbursement_rate": "0.25"}, "reimbursement_currency"),
        ({"reimbursement_currency": "EUR"}, "reimbursement_rate"),
        ({"reimbursement_rate": "-0.1", "reimbursement_currency": "EUR"}, "reimbursement_rate"),
        ({"reimbursement_rate": "0.12345", "reimbursement_currency": "EUR"}, "reimbursement_rate"),
        ({"reimbursement_rate": "0.25", "reimbursement_currency": "EURO"}, "reimbursement_currency"),
        ({"reimbursement_rate": "0.25", "reimbursement_currency": "ABC"}, "reimbursement_currency"),
    ]
    for extra, field in rate_cases:
        await _problem(await api.post("/api/v1/accounts", json={**base, **extra}), 422, field)


async def test_sub_accounts_nest_to_any_depth_and_need_a_relation(world: World) -> None:
    api = world.tenant.api
    await _problem(await api.post("/api/v1/accounts", json={"name": "Orphan", "relation": "employee"}), 422,
                   "relation")
    await _problem(await api.post("/api/v1/accounts", json={"name": "No relation", "parent_id": str(world.x)}),
                   422, "relation")
    await _problem(await api.post("/api/v1/accounts", json={"name": "Bad", "parent_id": str(world.x),
                                                           "relation": "cousin"}), 422)
    parent = str(world.x1a)
    for depth in range(4):
        made = await api.post("/api/v1/accounts", json={"name": f"Level {depth}", "parent_id": parent,
                                                       "relation": "subsidiary"})
        assert made.status_code == 201, made.text
        parent = made.json()["id"]
    tree = (await api.get(f"/api/v1/accounts/{world.x}/tree")).json()
    names = []
    node = tree
    while node["children"]:
        assert len(node["children"]) == 1
        node = node["children"][0]
        names.append(node["name"])
    assert names == ["X1", "X1a", "Level 0", "Level 1", "Level 2", "Level 3"]
    # The parent is fixed once made: a PATCH cannot move an account, nor change its tenant.
    for body in ({"parent_id": str(world.y)}, {"tenant_id": str(world.tenant.id)}, {"id": str(world.y)}):
        await _problem(await api.patch(f"/api/v1/accounts/{world.x1}", json=body), 422)
    # A missing parent is a 404 naming the field.
    await _problem(await api.post("/api/v1/accounts", json={"name": "Lost", "parent_id": str(world.tenant.id),
                                                           "relation": "employee"}), 404, "parent_id")


async def test_list_filters_by_parent_and_pages_with_a_cursor(world: World) -> None:
    api = world.tenant.api
    made = []
    for n in range(5):
        made.append((await api.post("/api/v1/accounts", json={"name": f"Child {n}", "parent_id": str(world.y),
                                                              "relation": "employee"})).json()["id"])
    children = ids(await api.get("/api/v1/accounts", params={"parent_id": str(world.y)}))
    assert children == set(made)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"parent_id": str(world.y), "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await api.get("/api/v1/accounts", params=params)).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(made))  # newest first, each once
    everything = ids(await api.get("/api/v1/accounts", params={"limit": 500}))
    assert {str(world.x), str(world.x1), str(world.x1a), str(world.y), *made} <= everything


async def test_delete_refused_while_the_account_holds_anything(world: World) -> None:
    api = world.tenant.api

    async def fresh() -> str:
        made = await api.post("/api/v1/accounts", json={"name": "Short-lived"})
        return str(made.json()["id"])

    holder = await fresh()
    await api.post("/api/v1/accounts", json={"name": "Sub", "parent_id": holder, "relation": "employee"})
    assert "sub-accounts" in (await _problem(await api.delete(f"/api/v1/accounts/{holder}"), 409))["detail"]

    holder = await fresh()
    cp = await register_charger(api, account_id=holder)
    assert "charge points" in (await _problem(await api.delete(f"/api/v1/accounts/{holder}"), 409))["detail"]
    await api.delete(f"/api/v1/charge-points/{cp['id']}")

    site = (await api.post("/api/v1/sites", json={"name": "Depot", "account_id": holder})).json()
    assert "sites" in (await _problem(await api.delete(f"/api/v1/accounts/{holder}"), 409))["detail"]
    await api.delete(f"/api/v1/sites/{site['id']}")

    member = await world.person([])
    granted = await api.post(f"/api/v1/users/{member.user_id}/memberships",
                             json={"role": "account_member", "account_id": holder})
    assert granted.status_code == 201, granted.text
    assert "members" in (await _problem(await api.delete(f"/api/v1/accounts/{holder}"), 409))["detail"]
    await api.delete(f"/api/v1/users/{member.user_id}/memberships/{granted.json()['id']}")

    # Emptied, it goes (its API keys with it), and its history stays in the audit log.
    key = await api.post("/api/v1/api-keys", json={"name": "k", "role": "account_admin", "account_id": holder})
    assert key.status_code == 201, key.text
    assert (await api.delete(f"/api/v1/accounts/{holder}")).status_code == 204
    assert (await api.get(f"/api/v1/accounts/{holder}")).status_code == 404
    assert key.json()["id"] not in ids(await api.get("/api/v1/api-keys"))
    log = items(await api.get("/api/v1/audit-log", params={"object_id": holder}))
    assert [e["action"] for e in log] == ["account.delete", "account.create"]
    assert log[0]["before"]["name"] == "Short-lived"


async def test_card_keeps_an_account_open(world: World) -> None:
    api = world.tenant.api
    holder = (await api.post("/api/v1/accounts", json={"name": "Card holder"})).json()["id"]
    card = await api.post("/api/v1/id-tokens", json={"uid": "ORG-CARD-1", "account_id": holder})
    assert card.status_code == 201, card.text
    assert "cards" in (await _problem(await api.delete(f"/api/v1/accounts/{holder}"), 409))["detail"]


async def test_account_admin_creates_sub_accounts_only_under_its_tree(world: World) -> None:
    x_admin = world.api("x_admin")
    top = await x_admin.post("/api/v1/accounts", json={"name": "My own top"})
    assert top.status_code == 403, top.text
    under_y = await x_admin.post("/api/v1/accounts", json={"name": "In Y", "parent_id": str(world.y),
                                                          "relation": "employee"})
    assert under_y.status_code == 404, under_y.text
    deep = await x_admin.post("/api/v1/accounts", json={"name": "Deep", "parent_id": str(world.x1a),
                                                       "relation": "employee"})
    assert deep.status_code == 201, deep.text
    # It sees the new account at once, and may change it but not delete it (tenant staff close accounts).
    assert (await x_admin.get(f"/api/v1/accounts/{deep.json()['id']}")).status_code == 200
    assert (await x_admin.patch(f"/api/v1/accounts/{deep.json()['id']}", json={"name": "Deeper"})).status_code == 200
    assert (await x_admin.delete(f"/api/v1/accounts/{deep.json()['id']}")).status_code == 403
    log = items(await world.tenant.api.get("/api/v1/audit-log", params={"object_id": deep.json()["id"]}))
    assert [e["action"] for e in log] == ["account.update", "account.create"]
    assert log[0]["before"] == {"name": "Deep"} and log[0]["after"] == {"name": "Deeper"}
    assert log[1]["actor_id"] == str(world.people["x_admin"].user_id) and log[1]["actor_type"] == "user"
