"""Inbound OCPP 1.6 messages other than transactions: Heartbeat, StatusNotification, Authorize,
DataTransfer, DiagnosticsStatusNotification, FirmwareStatusNotification."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.assets.models import StatusChange
from tests.ocpp.conftest import Fleet
from tests.ocpp.helpers import (
    add_token,
    connectors,
    get_charge_point,
    parse_time,
    start,
    status_payload,
    stop,
    v16_schema,
)
from tests.support.chargers import iso
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


async def test_heartbeat_answers_the_current_time_and_marks_the_charger_seen(fleet: Fleet,
                                                                             tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    result = await charger.result("Heartbeat", {})
    assert set(result) == {"currentTime"}
    assert result["currentTime"].endswith("Z")
    assert abs((parse_time(result["currentTime"]) - datetime.now(UTC)).total_seconds()) < 5
    seen = (await get_charge_point(tenant.api, charger.cp_id))["last_seen_at"]
    assert seen is not None
    assert abs((parse_time(seen) - datetime.now(UTC)).total_seconds()) < 5


async def test_status_per_connector_including_the_whole_charger(fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    at = iso(datetime.now(UTC))
    assert await charger.result("StatusNotification", status_payload(0, "Available", timestamp=at)) == {}
    assert await charger.result("StatusNotification", status_payload(1, "Charging", timestamp=at)) == {}
    assert await charger.result("StatusNotification", status_payload(
        2, "Faulted", "GroundFailure", timestamp=at, info="RCD tripped", vendorId="com.example",
        vendorErrorCode="E-42")) == {}
    got = await connectors(tenant.api, charger.cp_id)
    assert sorted(got) == [0, 1, 2]
    assert (got[0]["status"], got[0]["error_code"]) == ("Available", "NoError")
    assert (got[1]["status"], got[1]["error_code"]) == ("Charging", "NoError")
    assert {k: got[2][k] for k in ("status", "error_code", "info", "vendor_id", "vendor_error_code")} == {
        "status": "Faulted", "error_code": "GroundFailure", "info": "RCD tripped", "vendor_id": "com.example",
        "vendor_error_code": "E-42"}
    assert parse_time(got[1]["status_at"]) == parse_time(at)


async def test_every_status_and_error_code_of_the_specification_is_taken(fleet: Fleet,
                                                                         tenant: TenantHandle) -> None:
    properties = v16_schema("StatusNotification")["properties"]
    charger = await fleet.raw()
    base = datetime.now(UTC) - timedelta(hours=1)
    sent = [(s, "NoError") for s in properties["status"]["enum"]]
    sent += [("Faulted", e) for e in properties["errorCode"]["enum"]]
    for i, (status, error_code) in enumerate(sent):
        payload = status_payload(1, status, error_code, timestamp=iso(base + timedelta(seconds=i)))
        assert await charger.result("StatusNotification", payload) == {}, (status, error_code)
        got = (await connectors(tenant.api, charger.cp_id))[1]
        assert (got["status"], got["error_code"]) == (status, error_code)


async def _status_history(app: RunningApp, tenant: TenantHandle, cp_id: str) -> list[tuple[int, str, str]]:
    """Every StatusNotification kept for a charger, in the order received (no API exposes it yet)."""
    def read(uow: UnitOfWork) -> list[tuple[int, str, str]]:
        rows = uow.session.scalars(select(StatusChange).where(StatusChange.charge_point_id == uuid.UUID(cp_id))
                                   .order_by(StatusChange.id))
        return [(r.connector_id, r.status, r.error_code) for r in rows]

    return await app.arun(app.app.db.read(Scope.tenant(tenant.id), read))


async def test_an_older_status_replayed_later_is_kept_as_history_but_does_not_overwrite_a_newer_one(
        running_app: RunningApp, fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    now = datetime.now(UTC)
    await charger.result("StatusNotification", status_payload(1, "Charging", timestamp=iso(now)))
    # Queued while offline and delivered late: it describes an earlier moment.
    await charger.result("StatusNotification", status_payload(1, "Faulted", "OverVoltage",
                                                              timestamp=iso(now - timedelta(minutes=10))))
    got = (await connectors(tenant.api, charger.cp_id))[1]
    assert (got["status"], got["error_code"]) == ("Charging", "NoError")
    assert parse_time(got["status_at"]) == parse_time(iso(now))
    # A newer one does move it on.
    later = iso(now + timedelta(seconds=1))
    await charger.result("StatusNotification", status_payload(1, "Finishing", timestamp=later))
    assert (await connectors(tenant.api, charger.cp_id))[1]["status"] == "Finishing"
    assert await _status_history(running_app, tenant, charger.cp_id) == [
        (1, "Charging", "NoError"), (1, "Faulted", "OverVoltage"), (1, "Finishing", "NoError")]


async def test_statuses_replayed_in_order_after_being_offline_end_at_the_last_one(
        fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    base = datetime.now(UTC) - timedelta(hours=2)
    for i, status in enumerate(["Preparing", "Charging", "SuspendedEV", "Charging", "Finishing", "Available"]):
        at = iso(base + timedelta(minutes=i))
        await charger.result("StatusNotification", status_payload(2, status, timestamp=at))
    got = (await connectors(tenant.api, charger.cp_id))[2]
    assert got["status"] == "Available"
    assert parse_time(got["status_at"]) == parse_time(iso(base + timedelta(minutes=5)))


async def test_a_status_stamped_in_the_future_does_not_hide_the_true_ones(fleet: Fleet, tenant: TenantHandle) -> None:
    """A charger whose clock runs a day ahead must not freeze its connector's status until tomorrow."""
    charger = await fleet.raw()
    now = datetime.now(UTC)
    await charger.result("StatusNotification", status_payload(1, "Faulted", "HighTemperature",
                                                              timestamp=iso(now + timedelta(days=1))))
    assert (await connectors(tenant.api, charger.cp_id))[1]["status"] == "Faulted"
    await charger.result("StatusNotification", status_payload(1, "Available", timestamp=iso(datetime.now(UTC))))
    got = (await connectors(tenant.api, charger.cp_id))[1]
    assert (got["status"], got["error_code"]) == ("Available", "NoError")


async def test_a_status_without_timestamp_takes_the_time_it_was_received(fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    await charger.result("StatusNotification", status_payload(1, "Unavailable"))
    got = (await connectors(tenant.api, charger.cp_id))[1]
    assert got["status"] == "Unavailable"
    assert abs((parse_time(got["status_at"]) - datetime.now(UTC)).total_seconds()) < 5


async def test_authorize_answers_each_token_status(fleet: Fleet, tenant: TenantHandle) -> None:
    future = datetime.now(UTC) + timedelta(days=30)
    past = datetime.now(UTC) - timedelta(days=1)
    await add_token(tenant.api, "OK-CARD", expires_at=future.isoformat(), parent_uid="FLEET-7")
    await add_token(tenant.api, "BLOCKED-CARD", status="blocked")
    await add_token(tenant.api, "EXPIRED-CARD", status="expired")
    await add_token(tenant.api, "INVALID-CARD", status="invalid")
    await add_token(tenant.api, "LAPSED-CARD", expires_at=past.isoformat())
    charger = await fleet.raw()

    async def authorize(id_tag: str) -> dict[str, Any]:
        info: dict[str, Any] = (await charger.result("Authorize", {"idTag": id_tag}))["idTagInfo"]
        return info

    ok = await authorize("OK-CARD")
    assert ok["status"] == "Accepted"
    assert ok["parentIdTag"] == "FLEET-7"
    assert parse_time(ok["expiryDate"]) == future.replace(microsecond=future.microsecond // 1000 * 1000)
    assert (await authorize("BLOCKED-CARD"))["status"] == "Blocked"
    assert (await authorize("EXPIRED-CARD"))["status"] == "Expired"
    assert (await authorize("INVALID-CARD"))["status"] == "Invalid"
    lapsed = await authorize("LAPSED-CARD")  # accepted once, but its expiry date has passed
    assert lapsed["status"] == "Expired"
    assert parse_time(lapsed["expiryDate"]) < datetime.now(UTC)
    assert await authorize("NEVER-SEEN") == {"status": "Invalid"}


async def test_authorize_ignores_the_case_of_the_id_tag(fleet: Fleet, tenant: TenantHandle) -> None:
    """idTag is a CiString20Type: case-insensitive."""
    await add_token(tenant.api, "AbCd00ff")
    charger = await fleet.raw()
    for sent in ["abcd00FF", "ABCD00FF", "AbCd00ff"]:
        assert (await charger.result("Authorize", {"idTag": sent}))["idTagInfo"]["status"] == "Accepted", sent


async def test_authorize_answers_the_tokens_own_status_while_it_charges_elsewhere(fleet: Fleet,
                                                                                  tenant: TenantHandle) -> None:
    """OCPP 1.6 §7.2: ConcurrentTx is "only relevant for a StartTransaction.req"; Authorize answers the token's
    own status (a driver may present the card to stop, or a sibling card). The start is what is refused."""
    await add_token(tenant.api, "BUSY-CARD")
    first = await fleet.raw()
    second = await fleet.raw()
    started = await start(first, id_tag="BUSY-CARD", meter_start=0)
    assert (await second.result("Authorize", {"idTag": "BUSY-CARD"}))["idTagInfo"]["status"] == "Accepted"
    refused = await start(second, id_tag="busy-card", meter_start=0)
    assert refused["idTagInfo"]["status"] == "ConcurrentTx"
    await stop(first, transaction_id=started["transactionId"], meter_stop=100)
    await stop(second, transaction_id=refused["transactionId"], meter_stop=0)
    third = await start(second, id_tag="BUSY-CARD", meter_start=0)
    assert third["idTagInfo"]["status"] == "Accepted"


async def test_data_transfer_from_an_unknown_vendor(fleet: Fleet) -> None:
    """§4.3: no implementation for the vendorId: status UnknownVendorId and no data element."""
    charger = await fleet.raw()
    result = await charger.result("DataTransfer", {"vendorId": "com.example.unknown", "messageId": "Ping",
                                                   "data": "{\"a\": 1}"})
    assert result == {"status": "UnknownVendorId"}


async def test_diagnostics_and_firmware_status_notifications_are_kept(fleet: Fleet, tenant: TenantHandle) -> None:
    charger = await fleet.raw()
    for status in v16_schema("DiagnosticsStatusNotification")["properties"]["status"]["enum"]:
        assert await charger.result("DiagnosticsStatusNotification", {"status": status}) == {}
        assert (await get_charge_point(tenant.api, charger.cp_id))["diagnostics_status"] == status
    for status in v16_schema("FirmwareStatusNotification")["properties"]["status"]["enum"]:
        assert await charger.result("FirmwareStatusNotification", {"status": status}) == {}
        assert (await get_charge_point(tenant.api, charger.cp_id))["firmware_status"] == status
