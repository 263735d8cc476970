"""The autonomous charger: sessions the server records exactly as the charger's meter measured them."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import orjson
import pytest

from chargeplane.simulator import NotPossible
from tests.simulator.support import Simulation, assert_valid_request, eventually

ENERGY = "Energy.Active.Import.Register"


def _registers(values: list[dict[str, Any]], context: str) -> list[int]:
    return [int(Decimal(v["value"])) for v in values
            if v["measurand"] == ENERGY and v["context"] == context and v["phase"] is None]


async def test_a_charging_loop_produces_completed_sessions_whose_energy_matches_the_meter(
        simulation: Simulation) -> None:
    charger, cp = await simulation.charger(
        ready=False, auto_charge=True, meter_interval=0.1, charge_seconds=0.9, idle_seconds=0.2,
        max_power_w=22_000)
    running = asyncio.create_task(charger.run())

    async def two_completed() -> list[dict[str, Any]] | None:
        done = await simulation.sessions(cp["id"], state="completed")
        return done if len(done) >= 2 else None

    completed = await eventually(two_completed, timeout=20, what="two completed sessions")
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)

    own = {tx.transaction_id: tx for tx in charger.completed}
    for session in completed:
        tx = own[session["transaction_id"]]
        assert tx.meter_stop_wh is not None
        # The server's figures are the meter's figures.
        assert (session["meter_start_wh"], session["meter_stop_wh"]) == (tx.meter_start_wh, tx.meter_stop_wh)
        assert session["energy_wh"] == tx.meter_stop_wh - tx.meter_start_wh > 0
        assert session["stop_reason"] == "Local"
        assert session["status"] == "normal"
        assert session["id_tag"] == charger.options.id_tag

        values = (await simulation.session_detail(session["id"]))["meter_values"]
        assert _registers(values, "Transaction.Begin") == [tx.meter_start_wh]
        assert _registers(values, "Transaction.End") == [tx.meter_stop_wh]
        periodic = _registers(values, "Sample.Periodic")  # ordered by timestamp
        assert len(periodic) >= 3
        assert len(periodic) == tx.meter_value_messages
        assert periodic == sorted(periodic)
        assert tx.meter_start_wh <= periodic[0] and periodic[-1] <= tx.meter_stop_wh
        measured = {(v["measurand"], v["phase"], v["unit"]) for v in values if v["context"] == "Sample.Periodic"}
        assert measured == {
            (ENERGY, None, "Wh"), ("Power.Active.Import", None, "W"), ("SoC", None, "Percent"),
            *{("Current.Import", f"L{n}", "A") for n in (1, 2, 3)},
            *{("Voltage", f"L{n}-N", "V") for n in (1, 2, 3)},
        }
        powers = [float(v["value"]) for v in values
                  if v["measurand"] == "Power.Active.Import" and v["context"] == "Sample.Periodic"]
        assert all(15_000 < p <= 22_000 for p in powers)


async def test_what_the_charger_sends_fits_the_16_schemas_and_the_status_sequence(simulation: Simulation) -> None:
    charger, cp = await simulation.charger(meter_interval=0.1)
    await charger.start_transaction()
    await asyncio.sleep(0.35)
    await charger.stop_transaction()
    await charger.wait_queue_empty(10)

    log = await simulation.messages(cp["id"])
    incoming = [m for m in log if m["direction"] == "in"]
    for message in incoming:
        frame = orjson.loads(message["request"])
        assert_valid_request(frame[2], frame[3])
        assert message["outcome"] == "CallResult", message
    statuses = [orjson.loads(m["request"])[3] for m in incoming if m["action"] == "StatusNotification"]
    assert [(s["connectorId"], s["status"]) for s in statuses] == [
        (0, "Available"), (1, "Available"), (1, "Preparing"), (1, "Charging"), (1, "Finishing"), (1, "Available")]
    actions = [m["action"] for m in incoming if m["action"] != "StatusNotification"]
    assert actions[:3] == ["BootNotification", "Authorize", "StartTransaction"]
    assert actions[-1] == "StopTransaction"
    assert set(actions[3:-1]) == {"MeterValues"}

    connectors = {c["connector_id"]: c["status"] for c in (await simulation.charge_point(cp["id"]))["connectors"]}
    assert connectors == {0: "Available", 1: "Available"}


async def test_a_fault_ends_the_session_and_shows_until_cleared(simulation: Simulation) -> None:
    charger, cp = await simulation.charger()
    tx = await charger.start_transaction()
    await charger.set_fault(1, "GroundFailure")
    assert tx.stop_reason == "Other"

    async def connector_one() -> tuple[str, str] | None:
        [one] = [c for c in (await simulation.charge_point(cp["id"]))["connectors"] if c["connector_id"] == 1]
        return (one["status"], one["error_code"])

    assert await connector_one() == ("Faulted", "GroundFailure")
    [session] = await simulation.sessions(cp["id"])
    assert session["state"] == "completed" and session["stop_reason"] == "Other"
    with pytest.raises(NotPossible):
        await charger.start_transaction()

    await charger.clear_fault(1)
    assert await connector_one() == ("Available", "NoError")
    await charger.start_transaction()
    statuses = [orjson.loads(m["request"])[3] for m in await simulation.messages(cp["id"])
                if m["action"] == "StatusNotification" and m["direction"] == "in"]
    assert [s["status"] for s in statuses if s["connectorId"] == 1][2:] == [
        "Charging", "Finishing", "Faulted", "Available", "Preparing", "Charging"]
