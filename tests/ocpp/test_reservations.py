"""Reservations (OCPP 1.6 Reservation profile): ReserveNow with the charger's answer recorded,
CancelReservation, the StartTransaction that uses one, refusals, and a charger that is not there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ocpp.v16 import call, call_result

from tests.ocpp.conftest import Fleet
from tests.ocpp.helpers import add_token
from tests.support.chargers import OcppCharger, iso, now_iso
from tests.support.tenants import TenantHandle

API = "/api/v1"


async def charger_start(charger: OcppCharger, *, id_tag: str, reservation_id: int) -> Any:
    return await charger.call(call.StartTransaction(connector_id=1, id_tag=id_tag, meter_start=0,
                                                    timestamp=now_iso(), reservation_id=reservation_id),
                              suppress=False)


def _in(minutes: int) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


async def test_reserve_then_start_uses_the_reservation(fleet: Fleet, tenant: TenantHandle) -> None:
    await add_token(tenant.api, "RES-CARD")
    charger = await fleet.ocpp()
    expires = datetime.now(UTC) + timedelta(minutes=30)
    made = await tenant.api.post(f"{API}/charge-points/{charger.cp_id}/reservations",
                                 json={"connector_id": 1, "id_tag": "RES-CARD", "expires_at": expires.isoformat()})
    assert made.status_code == 201, made.text
    reservation = made.json()
    assert reservation["status"] == "accepted" and reservation["charger_status"] == "Accepted"
    assert made.headers["location"] == f"{API}/reservations/{reservation['id']}"
    action, payload = await charger.next_call()
    assert action == "ReserveNow"
    assert payload["connectorId"] == 1 and payload["idTag"] == "RES-CARD"
    assert payload["reservationId"] == reservation["reservation_id"]
    assert abs(datetime.fromisoformat(payload["expiryDate"]) - expires) < timedelta(seconds=1)

    # A second reservation of the same connector is refused before anything is sent.
    again = await tenant.api.post(f"{API}/charge-points/{charger.cp_id}/reservations",
                                  json={"connector_id": 1, "id_tag": "RES-CARD", "expires_at": _in(10)})
    assert again.status_code == 409

    # The driver arrives: the charger starts the transaction naming the reservation.
    started = await charger_start(charger, id_tag="RES-CARD", reservation_id=reservation["reservation_id"])
    assert started.id_tag_info["status"] == "Accepted"
    used = (await tenant.api.get(f"{API}/reservations/{reservation['id']}")).json()
    assert used["status"] == "used" and used["session_id"] is not None
    session = (await tenant.api.get(f"{API}/sessions/{used['session_id']}")).json()
    assert session["transaction_id"] == started.transaction_id


async def test_cancel_sends_cancel_reservation_and_ends_it(fleet: Fleet, tenant: TenantHandle) -> None:
    await add_token(tenant.api, "RES-CARD")
    charger = await fleet.ocpp()
    made = (await tenant.api.post(f"{API}/charge-points/{charger.cp_id}/reservations",
                                  json={"connector_id": 0, "id_tag": "RES-CARD", "expires_at": _in(60)})).json()
    await charger.next_call()
    charger.replies["CancelReservation"] = call_result.CancelReservation(status="Rejected")
    refused = await tenant.api.delete(f"{API}/reservations/{made['id']}")
    assert refused.status_code == 409 and "refused" in refused.json()["detail"]
    assert (await tenant.api.get(f"{API}/reservations/{made['id']}")).json()["status"] == "accepted"
    charger.replies["CancelReservation"] = call_result.CancelReservation(status="Accepted")
    cancelled = await tenant.api.delete(f"{API}/reservations/{made['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert [await charger.next_call(), await charger.next_call()] == [
        ("CancelReservation", {"reservationId": made["reservation_id"]})] * 2
    twice = await tenant.api.delete(f"{API}/reservations/{made['id']}")
    assert twice.status_code == 409


async def test_a_refusal_and_a_missing_charger_are_recorded(fleet: Fleet, tenant: TenantHandle) -> None:
    await add_token(tenant.api, "RES-CARD")
    charger = await fleet.ocpp()
    charger.replies["ReserveNow"] = call_result.ReserveNow(status="Occupied")
    refused = await tenant.api.post(f"{API}/charge-points/{charger.cp_id}/reservations",
                                    json={"connector_id": 1, "id_tag": "RES-CARD", "expires_at": _in(5)})
    assert refused.status_code == 201
    assert refused.json()["status"] == "refused" and refused.json()["charger_status"] == "Occupied"
    offline = await fleet.register()
    missing = await tenant.api.post(f"{API}/charge-points/{offline['id']}/reservations",
                                    json={"connector_id": 1, "id_tag": "RES-CARD", "expires_at": _in(5)})
    assert missing.status_code == 409
    listed = (await tenant.api.get(f"{API}/reservations", params={"charge_point_id": offline["id"]})).json()
    assert [(r["status"], r["failure"].split(":")[0]) for r in listed["items"]] == [("failed", "ChargerNotConnected")]


async def test_bad_requests_are_refused_with_a_reason(fleet: Fleet, tenant: TenantHandle,
                                                      other_tenant: TenantHandle) -> None:
    await add_token(tenant.api, "RES-CARD")
    await add_token(tenant.api, "BLOCKED", status="blocked")
    charger = await fleet.ocpp()
    url = f"{API}/charge-points/{charger.cp_id}/reservations"
    for body, field in [({"connector_id": 1, "id_tag": "NOPE", "expires_at": _in(5)}, "id_tag"),
                        ({"connector_id": 1, "id_tag": "BLOCKED", "expires_at": _in(5)}, "id_tag"),
                        ({"connector_id": 1, "id_tag": "RES-CARD", "expires_at": _in(-5)}, "expires_at"),
                        ({"connector_id": 1, "id_tag": "RES-CARD", "expires_at": _in(60 * 25)}, "expires_at")]:
        answer = await tenant.api.post(url, json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json().get("field") == field
    naive = await tenant.api.post(url, json={"connector_id": 1, "id_tag": "RES-CARD",
                                             "expires_at": iso(datetime.now(UTC)).rstrip("Z")})
    assert naive.status_code == 422
    # Another tenant can neither reserve this charger nor see its reservations.
    assert (await other_tenant.api.post(url, json={"connector_id": 1, "id_tag": "RES-CARD",
                                                   "expires_at": _in(5)})).status_code == 404
    assert (await other_tenant.api.get(f"{API}/reservations")).json()["items"] == []
