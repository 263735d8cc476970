"""Tariffs through the API: create, read, filter, change, delete; validation that points at the field;
isolation between tenants and accounts; every change audited."""

from __future__ import annotations

import uuid
from typing import Any

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import API, World, world  # noqa: F401 - the fixture
from tests.pricing.support import energy
from tests.support.tenants import TenantHandle

NIGHT = {"price_components": [{"type": "ENERGY", "price": "0.20", "vat": "21", "step_size": 1}],
         "restrictions": {"start_time": "22:00", "end_time": "07:00"}}


async def test_create_read_filter_update_delete_with_audit(world: World) -> None:  # noqa: F811
    site = await world.site("Yard")
    cp = await world.charge_point(site_id=site)
    api = world.tenant.api
    created = await api.post(f"{API}/tariffs", json={
        "name": "Standard", "elements": [NIGHT, *energy(0.30, start_fee="0.50")], "site_id": str(site),
        "max_price": {"excl_vat": 40}})
    assert created.status_code == 201, created.text
    tariff = created.json()
    assert created.headers["Location"] == f"/api/v1/tariffs/{tariff['id']}"
    assert tariff["currency"] == "EUR" and tariff["audience"] == "public" and tariff["active"] is True
    # Stored as OCPI writes it: exact numbers as strings.
    assert tariff["elements"][0]["price_components"][0] == {"type": "ENERGY", "price": "0.20", "vat": "21",
                                                            "step_size": 1}
    assert tariff["elements"][2]["price_components"][0]["price"] == "0.3"
    assert tariff["max_price"] == {"excl_vat": "40", "incl_vat": None}
    on_cp = await api.post(f"{API}/tariffs", json={"name": "Fast", "elements": energy("0.45"),
                                                   "charge_point_id": cp["id"]})
    assert on_cp.status_code == 201, on_cp.text

    assert (await api.get(f"{API}/tariffs/{tariff['id']}")).json()["name"] == "Standard"
    assert [t["name"] for t in (await api.get(f"{API}/tariffs", params={"site_id": str(site)})).json()["items"]] == [
        "Standard"]
    by_cp = (await api.get(f"{API}/tariffs", params={"charge_point_id": cp["id"]})).json()["items"]
    assert [t["name"] for t in by_cp] == ["Fast"]
    assert (await api.get(f"{API}/tariffs", params={"audience": "private"})).json()["items"] == []
    assert len((await api.get(f"{API}/tariffs")).json()["items"]) == 2

    changed = await api.patch(f"{API}/tariffs/{tariff['id']}", json={"name": "Standard 2026", "active": False})
    assert changed.status_code == 200 and changed.json()["name"] == "Standard 2026" and not changed.json()["active"]
    assert (await api.delete(f"{API}/tariffs/{tariff['id']}")).status_code == 204
    assert (await api.get(f"{API}/tariffs/{tariff['id']}")).status_code == 404
    actions = [entry.action for entry in await world.audit(tariff["id"])]
    assert actions == ["tariff.create", "tariff.update", "tariff.delete"]


async def _problem(api: Any, method: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.request(method, url, json=body)
    assert response.status_code == 422, response.text
    problem: dict[str, Any] = response.json()
    return problem


async def test_validation_points_at_the_field(world: World) -> None:  # noqa: F811
    api = world.tenant.api
    bad_time = {"price_components": [{"type": "ENERGY", "price": "0.2"}], "restrictions": {"start_time": "25:00"}}
    problem = await _problem(api, "POST", f"{API}/tariffs", {"name": "x", "elements": [NIGHT, bad_time]})
    assert problem["field"] == "elements[1].restrictions.start_time", problem
    assert "HH:MM" in problem["detail"]
    problem = await _problem(api, "POST", f"{API}/tariffs", {
        "name": "x", "elements": [{"price_components": [{"type": "KWH", "price": 1}]}]})
    assert problem["field"] == "elements[0].price_components[0].type"
    problem = await _problem(api, "POST", f"{API}/tariffs", {"name": "x", "elements": energy("-1")})
    assert problem["field"] == "elements[0].price_components[0].price"
    problem = await _problem(api, "POST", f"{API}/tariffs", {"name": "x", "elements": [], "currency": "euro"})
    assert problem["field"] == "currency"
    problem = await _problem(api, "POST", f"{API}/tariffs", {"name": "x", "elements": [], "audience": "customer_group"})
    assert problem["field"] == "customer_group_id"
    problem = await _problem(api, "POST", f"{API}/tariffs", {
        "name": "x", "elements": [], "valid_from": "2026-02-01T00:00:00Z", "valid_to": "2026-01-01T00:00:00Z"})
    assert problem["field"] == "valid_to"
    problem = await _problem(api, "POST", f"{API}/tariffs", {"name": "x", "elements": [], "site_id": str(uuid.uuid4())})
    assert problem["field"] == "site_id"
    tariff = (await api.post(f"{API}/tariffs", json={"name": "ok", "elements": energy("0.3")})).json()
    problem = await _problem(api, "PATCH", f"{API}/tariffs/{tariff['id']}", {"elements": [bad_time]})
    assert problem["field"] == "elements[0].restrictions.start_time"
    # Where a tariff applies and whose it is do not change; nor does its tenant.
    for field in ("site_id", "account_id", "tenant_id"):
        response = await api.patch(f"{API}/tariffs/{tariff['id']}", json={field: str(uuid.uuid4())})
        assert response.status_code == 422, field
    assert (await api.get(f"{API}/tariffs/{tariff['id']}")).json()["elements"] == tariff["elements"]


async def test_tenants_and_accounts_see_and_change_only_their_own(world: World,  # noqa: F811
                                                                  other_tenant: TenantHandle) -> None:
    x, y = await world.account("X"), await world.account("Y")
    x_site, y_site = await world.site("X yard", account_id=x), await world.site("Y yard", account_id=y)
    api = world.tenant.api
    y_tariff = (await api.post(f"{API}/tariffs", json={"name": "Y", "elements": energy("0.3"),
                                                       "site_id": str(y_site)})).json()
    assert y_tariff["account_id"] == str(y)
    tenant_tariff = (await api.post(f"{API}/tariffs", json={"name": "T", "elements": energy("0.4")})).json()
    assert tenant_tariff["account_id"] is None

    x_admin = await world.person((Role.ACCOUNT_ADMIN, x))
    mine = await x_admin.api.post(f"{API}/tariffs", json={"name": "X", "elements": energy("0.3"),
                                                          "site_id": str(x_site)})
    assert mine.status_code == 201 and mine.json()["account_id"] == str(x)
    everywhere = await x_admin.api.post(f"{API}/tariffs", json={"name": "X all", "elements": energy("0.3")})
    assert everywhere.status_code == 201 and everywhere.json()["account_id"] == str(x)
    refused = await x_admin.api.post(f"{API}/tariffs", json={"name": "on Y", "elements": energy("0"),
                                                             "site_id": str(y_site)})
    assert refused.status_code == 422 and refused.json()["field"] == "site_id"
    listed = {t["name"] for t in (await x_admin.api.get(f"{API}/tariffs")).json()["items"]}
    assert listed == {"X", "X all"}
    for tariff in (y_tariff, tenant_tariff):
        assert (await x_admin.api.get(f"{API}/tariffs/{tariff['id']}")).status_code == 404
        assert (await x_admin.api.patch(f"{API}/tariffs/{tariff['id']}", json={"name": "mine"})).status_code == 404
        assert (await x_admin.api.delete(f"{API}/tariffs/{tariff['id']}")).status_code == 404

    x_member = await world.person((Role.ACCOUNT_MEMBER, x))
    assert {t["name"] for t in (await x_member.api.get(f"{API}/tariffs")).json()["items"]} == {"X", "X all"}
    assert (await x_member.api.post(f"{API}/tariffs", json={"name": "n", "elements": []})).status_code == 403

    other = other_tenant.api
    assert (await other.get(f"{API}/tariffs")).json()["items"] == []
    assert (await other.get(f"{API}/tariffs/{y_tariff['id']}")).status_code == 404
    assert (await other.patch(f"{API}/tariffs/{y_tariff['id']}", json={"name": "n"})).status_code == 404
    assert (await other.delete(f"{API}/tariffs/{y_tariff['id']}")).status_code == 404
    assert (await api.get(f"{API}/tariffs/{y_tariff['id']}")).json()["name"] == "Y"
