"""Charge detail records from real OCPP sessions: priced as the engine prices the same timeline, issued once,
signed data kept byte for byte, corrected by new versions only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from chargeplane.domain.pricing.engine import price
from chargeplane.domain.pricing.spec import spec_from_json
from tests.cards.support import API, World, world  # noqa: F401 - the fixture
from tests.pricing.charging import OCMF, ODD, TOU, charge_across_22, expected_timeline, stop_payload


async def _cdrs(world: World, session_id: str) -> list[dict[str, Any]]:  # noqa: F811
    listed = await world.tenant.api.get(f"{API}/cdrs", params={"session_id": session_id})
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def test_a_session_across_22_00_ends_with_one_cdr_priced_like_the_engine(world: World) -> None:  # noqa: F811
    charge = await charge_across_22(world)
    assert await charge.charger.result("StopTransaction", stop_payload(charge.transaction_id)) == {}

    [cdr] = await _cdrs(world, charge.session_id)
    expected = price(spec_from_json({"currency": "EUR", "elements": TOU}), expected_timeline())
    # By hand: 0.50 start + 10 kWh x 0.40 before 22:00 + 5 kWh x 0.20 after + 30 min parked x 6.00/h.
    assert expected.total_cost.excl_vat == Decimal("8.50") and expected.total_cost.incl_vat == Decimal("10.37")
    assert Decimal(cdr["total_cost"]["excl_vat"]) == expected.total_cost.excl_vat
    assert Decimal(cdr["total_cost"]["incl_vat"]) == expected.total_cost.incl_vat
    assert Decimal(cdr["total_vat"]) == Decimal("1.87")
    assert Decimal(cdr["total_energy_cost"]["excl_vat"]) == Decimal("5.00")
    assert Decimal(cdr["total_parking_cost"]["excl_vat"]) == Decimal("3.00")
    assert Decimal(cdr["total_fixed_cost"]["excl_vat"]) == Decimal("0.50")
    assert (cdr["total_energy_wh"], cdr["total_time_s"], cdr["total_parking_s"]) == (15_000, 4500, 1800)
    assert Decimal(cdr["total_energy"]) == Decimal(15)
    assert cdr["version"] == 1 and cdr["corrects_id"] is None and not cdr["needs_review"]
    assert cdr["charge_point_id"] == charge.cp["id"] and cdr["id_tag"] == "TOU-1" and cdr["currency"] == "EUR"
    assert spec_from_json(cdr["tariff"]) == spec_from_json({"currency": "EUR", "elements": TOU})
    assert cdr["tariff"]["discount_percent"] == "0"
    # Charging periods split at 22:00 local (20:00 UTC) and where the car stopped drawing power.
    starts = [p["start_date_time"] for p in cdr["charging_periods"]]
    assert starts == ["2025-11-12T19:30:00Z", "2025-11-12T20:00:00Z", "2025-11-12T20:15:00Z"]
    assert [[(d["type"], Decimal(d["volume"])) for d in p["dimensions"]] for p in cdr["charging_periods"]] == [
        [("ENERGY", Decimal(10)), ("TIME", Decimal("0.5"))], [("ENERGY", Decimal(5)), ("TIME", Decimal("0.25"))],
        [("PARKING_TIME", Decimal("0.5"))]]
    # The periodic reading's signature and the stop's own (not yet stored when it was priced), as sent.
    assert cdr["signed_data"] == [OCMF, ODD]
    assert (await world.tenant.api.get(f"{API}/cdrs/{cdr['id']}")).json() == cdr

    # The session shows its final cost, from the CDR.
    session = (await world.tenant.api.get(f"{API}/sessions/{charge.session_id}")).json()
    assert session["cost"]["kind"] == "final" and session["cost"]["cdr_id"] == cdr["id"]
    assert Decimal(session["cost"]["total_incl_vat"]) == Decimal("10.37")

    # A re-sent StopTransaction (the charger missed our answer) makes no second CDR.
    assert await charge.charger.result("StopTransaction", stop_payload(charge.transaction_id)) == {}
    assert [c["id"] for c in await _cdrs(world, charge.session_id)] == [cdr["id"]]


async def test_a_correction_is_a_new_version_and_leaves_the_first_unchanged(world: World) -> None:  # noqa: F811
    charge = await charge_across_22(world)
    await charge.charger.result("StopTransaction", stop_payload(charge.transaction_id))
    [first] = await _cdrs(world, charge.session_id)
    cheaper = [{"price_components": [{"type": "ENERGY", "price": "0.10", "step_size": 1}]}]

    bad = await world.tenant.api.post(f"{API}/cdrs/{first['id']}/corrections", json={
        "reason": "wrong tariff", "tariff": {"currency": "EUR", "elements": [{"price_components": [
            {"type": "ENERGY", "price": "-1"}]}]}})
    assert bad.status_code == 422 and bad.json()["field"] == "tariff.elements[0].price_components[0].price", bad.text
    assert (await world.tenant.api.post(f"{API}/cdrs/{first['id']}/corrections", json={
        "reason": "x", "total_excl_vat": "0"})).status_code == 422  # no field of a CDR can be set

    made = await world.tenant.api.post(f"{API}/cdrs/{first['id']}/corrections", json={
        "reason": "the site's promotion price applied", "tariff": {"currency": "EUR", "elements": cheaper}})
    assert made.status_code == 201, made.text
    second = made.json()
    assert made.headers["Location"] == f"/api/v1/cdrs/{second['id']}"
    assert second["version"] == 2 and second["corrects_id"] == first["id"]
    assert second["reason"] == "the site's promotion price applied"
    assert Decimal(second["total_cost"]["excl_vat"]) == Decimal("1.50")  # 15 kWh x 0.10, no VAT
    assert second["signed_data"] == [OCMF, ODD] and second["total_energy_wh"] == 15_000

    unchanged = (await world.tenant.api.get(f"{API}/cdrs/{first['id']}")).json()
    assert unchanged == {**first, "corrected_by_id": second["id"]}
    assert {c["version"] for c in await _cdrs(world, charge.session_id)} == {1, 2}
    again = await world.tenant.api.post(f"{API}/cdrs/{first['id']}/corrections", json={"reason": "twice"})
    assert again.status_code == 409, again.text
    session = (await world.tenant.api.get(f"{API}/sessions/{charge.session_id}")).json()
    assert session["cost"]["cdr_id"] == second["id"]

    audit = await world.audit(second["id"])
    assert [(a.action, a.after["reason"]) for a in audit] == [("cdr.correct",
                                                               "the site's promotion price applied")]
    assert audit[0].before is not None and audit[0].before["total_excl_vat"] == "8.50"

    # There is no way to edit or delete a CDR.
    assert (await world.tenant.api.patch(f"{API}/cdrs/{first['id']}", json={"reason": "x"})).status_code == 405
    assert (await world.tenant.api.delete(f"{API}/cdrs/{first['id']}")).status_code == 405


async def test_a_session_without_a_tariff_gets_a_zero_cost_cdr_with_its_energy(world: World) -> None:  # noqa: F811
    charge = await charge_across_22(world, "FREE-1", tariff=False)
    await charge.charger.result("StopTransaction", stop_payload(charge.transaction_id, signed=False))
    [cdr] = await _cdrs(world, charge.session_id)
    assert cdr["tariff"] is None and cdr["currency"] == "EUR" and cdr["lines"] == []
    assert Decimal(cdr["total_cost"]["excl_vat"]) == 0 and Decimal(cdr["total_cost"]["incl_vat"]) == 0
    assert (cdr["total_energy_wh"], cdr["total_time_s"], cdr["total_parking_s"]) == (15_000, 4500, 1800)
    assert cdr["signed_data"] == [OCMF]
