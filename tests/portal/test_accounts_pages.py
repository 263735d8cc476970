"""Accounts and sub-accounts in the operator portal: the tree, an account's page, opening, changing and
closing one with the domain's own checks shown next to the fields, within the viewer's reach."""

from __future__ import annotations

import re
from typing import Any

from chargeplane.domain.identity.permissions import Role
from tests.portal.support import PortalPerson, portal_user
from tests.support.chargers import register_charger
from tests.support.people import make_account, make_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

BUSINESS = {"name": "Acme AS", "kind": "business", "legal_name": "Acme Aktsiaselts", "registration_number": "12345678",
            "vat_number": "EE123456789", "billing_address": "Narva mnt 1, Tallinn", "email": "billing@acme.example"}
GOOD_IBAN = "EE38 2200 2210 2014 5685"


async def account(tenant: TenantHandle, account_id: str) -> dict[str, Any]:
    response = await tenant.api.get(f"/api/v1/accounts/{account_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def created_id(location: str) -> str:
    found = re.fullmatch(r"/portal/accounts/([0-9a-f-]{36})\?done=created", location)
    assert found, location
    return found.group(1)


async def test_the_accounts_stand_as_a_tree(running_app: RunningApp, tenant: TenantHandle,
                                            admin: PortalPerson) -> None:
    parent = await make_account(running_app, tenant.id, name="Parent Group")
    await make_account(running_app, tenant.id, name="Employee Home", parent_id=parent, kind="consumer",
                       relation="employee")
    await make_account(running_app, tenant.id, name="Another Top")
    page = await admin.portal.get("/portal/accounts")
    assert page.status_code == 200
    text = page.text
    # The sub-account is nested in its parent's list item, before the next top-level account's.
    nested = re.search(r"Parent Group</a>.*?<ul class=\"people-tree\">.*?Employee Home</a>", text, re.S)
    assert nested, text
    assert "Employee" in text and "Consumer" in text and "Another Top" in text


async def test_an_account_is_opened_with_its_checks_shown_next_to_the_fields(
        running_app: RunningApp, tenant: TenantHandle, admin: PortalPerson) -> None:
    form = await admin.portal.get("/portal/accounts/new")
    assert form.status_code == 200 and 'name="payee_iban"' in form.text
    bad_vat = await admin.portal.post("/portal/accounts/new", BUSINESS | {"vat_number": "123"})
    assert bad_vat.status_code == 422
    assert 'id="e-vat_number"' in bad_vat.text and "two-letter country prefix" in bad_vat.text
    assert 'value="Acme Aktsiaselts"' in bad_vat.text  # what was typed stays
    bad_iban = await admin.portal.post("/portal/accounts/new", BUSINESS | {"payee_iban": "EE38 2200 2210 2014 5686"})
    assert bad_iban.status_code == 422
    assert 'id="e-payee_iban"' in bad_iban.text and "check digits do not match" in bad_iban.text
    no_legal = await admin.portal.post("/portal/accounts/new", BUSINESS | {"legal_name": ""})
    assert no_legal.status_code == 422 and 'id="e-legal_name"' in no_legal.text
    bad_rate = await admin.portal.post("/portal/accounts/new", BUSINESS | {"reimbursement_rate": "a lot",
                                                                          "reimbursement_currency": "EUR"})
    assert bad_rate.status_code == 422 and 'id="e-reimbursement_rate"' in bad_rate.text
    made = await admin.portal.post("/portal/accounts/new", BUSINESS | {"payee_iban": GOOD_IBAN})
    assert made.status_code == 303
    stored = await account(tenant, created_id(made.headers["location"]))
    assert stored["vat_number"] == "EE123456789" and stored["payee_iban"] == "EE382200221020145685"
    shown = await admin.portal.get(made.headers["location"])
    assert "The account is created." in shown.text and "Acme Aktsiaselts" in shown.text


async def test_a_sub_account_is_opened_under_its_parent_and_changed(running_app: RunningApp, tenant: TenantHandle,
                                                                   admin: PortalPerson) -> None:
    parent = await make_account(running_app, tenant.id, name="Parent Group")
    form = await admin.portal.get("/portal/accounts/new", params={"parent_id": str(parent)})
    assert f'<option value="{parent}" selected>' in form.text
    no_relation = await admin.portal.post("/portal/accounts/new", {"name": "Home", "kind": "consumer",
                                                                   "parent_id": str(parent), "relation": ""})
    assert no_relation.status_code == 422 and 'id="e-relation"' in no_relation.text
    made = await admin.portal.post("/portal/accounts/new", {
        "name": "Home of Mari", "kind": "consumer", "parent_id": str(parent), "relation": "employee",
        "reimbursement_rate": "0.15", "reimbursement_currency": "eur", "payee_iban": GOOD_IBAN})
    assert made.status_code == 303, made.text
    child = created_id(made.headers["location"])
    stored = await account(tenant, child)
    assert stored["parent_id"] == str(parent) and stored["relation"] == "employee"
    assert stored["reimbursement_rate"] == "0.1500" and stored["reimbursement_currency"] == "EUR"
    parent_page = await admin.portal.get(f"/portal/accounts/{parent}")
    assert f'href="/portal/accounts/{child}"' in parent_page.text and "Home of Mari" in parent_page.text
    edit = await admin.portal.get(f"/portal/accounts/{child}/edit")
    assert 'value="Home of Mari"' in edit.text and 'value="0.1500"' in edit.text
    half = await admin.portal.post(f"/portal/accounts/{child}/edit", {
        "name": "Mari's home", "kind": "consumer", "relation": "employee", "reimbursement_rate": "0.2",
        "reimbursement_currency": "", "payee_iban": GOOD_IBAN})
    assert half.status_code == 422 and 'id="e-reimbursement_currency"' in half.text
    assert "go together" in half.text
    saved = await admin.portal.post(f"/portal/accounts/{child}/edit", {
        "name": "Mari's home", "kind": "consumer", "relation": "employee", "reimbursement_rate": "0.2",
        "reimbursement_currency": "EUR", "payee_iban": ""})
    assert saved.status_code == 303 and saved.headers["location"] == f"/portal/accounts/{child}?done=saved"
    changed = await account(tenant, child)
    assert changed["name"] == "Mari's home" and changed["reimbursement_rate"] == "0.2000"
    assert changed["payee_iban"] is None


async def test_an_accounts_page_shows_its_members_chargers_and_closes_only_when_empty(
        running_app: RunningApp, tenant: TenantHandle, admin: PortalPerson) -> None:
    home = await make_account(running_app, tenant.id, name="Home of Kadri", kind="consumer")
    await register_charger(tenant.api, account_id=str(home))
    await register_charger(tenant.api, account_id=str(home))
    member = await make_user(running_app, tenant.id, roles=[(Role.DRIVER, home)], email="kadri@example.test")
    try:
        page = await admin.portal.get(f"/portal/accounts/{home}")
        assert page.status_code == 200
        assert re.search(r'<div class="metric">2</div><div>Chargers</div>', page.text)
        assert "kadri@example.test" in page.text and "Driver" in page.text
        kept = await admin.portal.post(f"/portal/accounts/{home}/delete")
        assert kept.status_code == 409 and "still has charge points" in kept.text
        assert (await tenant.api.get(f"/api/v1/accounts/{home}")).status_code == 200
    finally:
        await member.api.aclose()
    empty = await make_account(running_app, tenant.id, name="Empty")
    closed = await admin.portal.post(f"/portal/accounts/{empty}/delete")
    assert closed.status_code == 303 and closed.headers["location"] == "/portal/accounts?done=closed"
    assert (await tenant.api.get(f"/api/v1/accounts/{empty}")).status_code == 404


async def test_an_account_admin_opens_sub_accounts_of_their_own_only(running_app: RunningApp, tenant: TenantHandle,
                                                                     admin: PortalPerson) -> None:
    mine = await make_account(running_app, tenant.id, name="Mine")
    theirs = await make_account(running_app, tenant.id, name="Theirs")
    owner = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.ACCOUNT_ADMIN, mine)])
    member = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.ACCOUNT_MEMBER, mine)])
    try:
        listed = await owner.portal.get("/portal/accounts")
        assert "Mine" in listed.text and "Theirs" not in listed.text
        form = await owner.portal.get("/portal/accounts/new")
        assert "None: a customer of its own" not in form.text
        top = await owner.portal.post("/portal/accounts/new", {"name": "Loose", "kind": "standard"})
        assert top.status_code == 403 and "give parent_id" in top.text
        elsewhere = await owner.portal.post("/portal/accounts/new", {"name": "Sneaky", "parent_id": str(theirs),
                                                                     "relation": "subsidiary"})
        assert elsewhere.status_code == 404
        made = await owner.portal.post("/portal/accounts/new", {"name": "Branch", "kind": "standard",
                                                                "parent_id": str(mine), "relation": "subsidiary"})
        assert made.status_code == 303
        assert (await owner.portal.get(f"/portal/accounts/{theirs}")).status_code == 404
        # A member reads their account but changes nothing.
        assert (await member.portal.get(f"/portal/accounts/{mine}")).status_code == 200
        assert (await member.portal.get("/portal/accounts/new")).status_code == 403
        renamed = await member.portal.post(f"/portal/accounts/{mine}/edit", {"name": "Renamed"})
        assert renamed.status_code == 403
        assert (await account(tenant, str(mine)))["name"] == "Mine"
    finally:
        for person in (owner, member):
            await person.portal.aclose()
            await person.person.api.aclose()


async def test_another_tenants_account_is_not_found(running_app: RunningApp, tenant: TenantHandle,
                                                   other_tenant: TenantHandle, admin: PortalPerson) -> None:
    foreign = await make_account(running_app, other_tenant.id, name="Foreign")
    assert (await admin.portal.get(f"/portal/accounts/{foreign}")).status_code == 404
    assert (await admin.portal.get(f"/portal/accounts/{foreign}/edit")).status_code == 404
    changed = await admin.portal.post(f"/portal/accounts/{foreign}/edit", {"name": "Mine now"})
    assert changed.status_code == 404
    assert (await admin.portal.post(f"/portal/accounts/{foreign}/delete")).status_code == 404
    under = await admin.portal.post("/portal/accounts/new", {"name": "Child", "parent_id": str(foreign),
                                                             "relation": "subsidiary"})
    assert under.status_code == 404
    other = await other_tenant.api.get(f"/api/v1/accounts/{foreign}")
    assert other.json()["name"] == "Foreign"
    assert "Foreign" not in (await admin.portal.get("/portal/accounts")).text
