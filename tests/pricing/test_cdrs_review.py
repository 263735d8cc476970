"""CDRs of sessions that went wrong are never billed negative nor invented; CDRs stay within their tenant and
account."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import API, World, card, world  # noqa: F401 - the fixture
from tests.pricing.charging import METER_START, T0, charge_across_22, meter, start, stop_payload, tou_charger
from tests.support.chargers import iso
from tests.support.tenants import TenantHandle


async def _only_cdr(world: World, session_id: str) -> dict[str, Any]:  # noqa: F811
    items = (await world.tenant.api.get(f"{API}/cdrs", params={"session_id": session_id})).json()["items"]
    assert len(items) == 1, items
    cdr: dict[str, Any] = items[0]
    return cdr


async def test_a_meter_stop_below_its_start_is_recorded_at_zero_and_reviewed_by_a_correction(
        world: World) -> None:  # noqa: F811
    charge = await charge_across_22(world, "BACK-1")
    await charge.charger.result("StopTransaction", stop_payload(charge.transaction_id, meter_stop=METER_START - 500,
                                                                signed=False))
    cdr = await _only_cdr(world, charge.session_id)
    assert Decimal(cdr["total_cost"]["incl_vat"]) == 0 and cdr["lines"] == []
    assert cdr["needs_review"] and "below meter start" in cdr["review_reason"]
    session = (await world.tenant.api.get(f"{API}/sessions/{charge.session_id}")).json()
    assert session["status"] == "abnormal" and Decimal(session["cost"]["total_incl_vat"]) == 0

    # The operator looked: the readings during the session were right, the stop was not. Priced again.
    reviewed = await world.tenant.api.post(f"{API}/cdrs/{cdr['id']}/corrections", json={"reason": "meter reviewed"})
    assert reviewed.status_code == 201, reviewed.text
    assert Decimal(reviewed.json()["total_cost"]["excl_vat"]) == Decimal("8.50")
    assert not reviewed.json()["needs_review"]
    assert not (await world.tenant.api.get(f"{API}/cdrs/{cdr['id']}")).json()["needs_review"]


async def test_a_register_that_goes_backwards_is_never_billed(world: World) -> None:  # noqa: F811
    charger, _, _ = await tou_charger(world)
    await card(world.tenant.api, uid="BACK-2")
    transaction_id, session_id = await start(world, charger, "BACK-2")
    await meter(charger, transaction_id, T0 + timedelta(minutes=10), 8000)
    await meter(charger, transaction_id, T0 + timedelta(minutes=20), 2000)  # a meter reset
    await charger.result("StopTransaction", {"transactionId": transaction_id, "meterStop": METER_START + 9000,
                                             "timestamp": iso(T0 + timedelta(minutes=30))})
    cdr = await _only_cdr(world, session_id)
    assert Decimal(cdr["total_cost"]["incl_vat"]) == 0
    assert cdr["needs_review"] and "went backwards" in cdr["review_reason"]
    assert cdr["total_energy_wh"] >= 0


async def test_an_orphan_stop_gets_no_cdr_and_an_interrupted_session_gets_one_when_it_stops(
        world: World) -> None:  # noqa: F811
    charge = await charge_across_22(world, "ORPHAN-1")
    orphan = await charge.charger.result("StopTransaction", {
        "transactionId": 987_654, "meterStop": 1000, "timestamp": iso(T0 + timedelta(hours=1))})
    assert orphan == {}
    sessions = (await world.tenant.api.get(f"{API}/sessions", params={"charge_point_id": charge.cp["id"]})).json()
    orphan_session = next(s for s in sessions["items"] if s["reported_transaction_id"] == 987_654)
    assert (await world.tenant.api.get(f"{API}/cdrs", params={"session_id": orphan_session["id"]})).json()[
        "items"] == []

    await charge.charger.boot()  # the charger restarted: the session is interrupted, not completed
    session = (await world.tenant.api.get(f"{API}/sessions/{charge.session_id}")).json()
    assert session["state"] == "interrupted" and session["cost"]["kind"] == "running"
    await charge.charger.result("StopTransaction", stop_payload(charge.transaction_id))
    cdr = await _only_cdr(world, charge.session_id)
    assert Decimal(cdr["total_cost"]["excl_vat"]) == Decimal("8.50")


async def test_cdrs_stay_within_their_tenant_and_account(world: World,  # noqa: F811
                                                         other_tenant: TenantHandle) -> None:
    x, y = await world.account("X"), await world.account("Y")
    in_x = await charge_across_22(world, "ISO-X", account_id=x)
    in_y = await charge_across_22(world, "ISO-Y", account_id=y)
    for charge in (in_x, in_y):
        await charge.charger.result("StopTransaction", stop_payload(charge.transaction_id))
    x_cdr, y_cdr = await _only_cdr(world, in_x.session_id), await _only_cdr(world, in_y.session_id)
    assert x_cdr["account_id"] == str(x) and y_cdr["account_id"] == str(y)

    x_admin = await world.person((Role.ACCOUNT_ADMIN, x))
    x_member = await world.person((Role.ACCOUNT_MEMBER, x))
    for person in (x_admin, x_member):
        assert [c["id"] for c in (await person.api.get(f"{API}/cdrs")).json()["items"]] == [x_cdr["id"]]
        assert (await person.api.get(f"{API}/cdrs/{x_cdr['id']}")).status_code == 200
        assert (await person.api.get(f"{API}/cdrs/{y_cdr['id']}")).status_code == 404
        assert (await person.api.get(f"{API}/cdrs", params={"charge_point_id": in_y.cp["id"]})).json()[
            "items"] == []
        # Account people read CDRs; only the tenant's staff correct them.
        refused = await person.api.post(f"{API}/cdrs/{x_cdr['id']}/corrections", json={"reason": "mine"})
        assert refused.status_code == 403

    support = await world.person((Role.CUSTOMER_SUPPORT, None))
    fixed = await support.api.post(f"{API}/cdrs/{y_cdr['id']}/corrections", json={"reason": "goodwill"})
    assert fixed.status_code == 201 and fixed.json()["account_id"] == str(y)

    assert (await other_tenant.api.get(f"{API}/cdrs")).json()["items"] == []
    for cdr in (x_cdr, y_cdr):
        assert (await other_tenant.api.get(f"{API}/cdrs/{cdr['id']}")).status_code == 404
        stolen = await other_tenant.api.post(f"{API}/cdrs/{cdr['id']}/corrections", json={"reason": "steal"})
        assert stolen.status_code == 404
    assert [c["id"] for c in (await world.tenant.api.get(f"{API}/cdrs", params={
        "charge_point_id": in_x.cp["id"]})).json()["items"]] == [x_cdr["id"]]
    window = {"stopped_from": iso(T0), "stopped_to": iso(T0 + timedelta(hours=2))}
    assert len((await world.tenant.api.get(f"{API}/cdrs", params=window)).json()["items"]) == 3
    assert (await world.tenant.api.get(f"{API}/cdrs", params={"stopped_from": iso(T0 + timedelta(hours=2))})).json()[
        "items"] == []
