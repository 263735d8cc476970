"""Offline: the charger keeps charging, queues its transaction messages and replays them in order."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import orjson
import pytest

from chargeplane.simulator import AuthorizationRejected
from tests.simulator.support import Simulation, eventually

ENERGY = "Energy.Active.Import.Register"


def _periodic_registers(values: list[dict[str, Any]]) -> list[int]:
    return [int(Decimal(v["value"])) for v in values
            if v["measurand"] == ENERGY and v["context"] == "Sample.Periodic"]


async def _replayed_actions(simulation: Simulation, cp_id: str) -> list[str]:
    log = await simulation.messages(cp_id)
    return [m["action"] for m in log if m["direction"] == "in"
            and m["action"] in ("BootNotification", "StartTransaction", "MeterValues", "StopTransaction")]


@pytest.mark.parametrize("boot_on_reconnect", [True, False], ids=["boots-again", "no-boot"])
async def test_offline_mid_session_then_back_gives_one_complete_session(simulation: Simulation,
                                                                       boot_on_reconnect: bool) -> None:
    charger, cp = await simulation.charger(boot_on_reconnect=boot_on_reconnect)
    tx = await charger.start_transaction()
    assert tx.transaction_id is not None
    await charger.send_meter_values()

    await charger.go_offline()
    assert not charger.connected
    for _ in range(3):
        await asyncio.sleep(0.01)  # samples are told apart by their (millisecond) timestamps
        await charger.send_meter_values()
    await charger.stop_transaction()
    assert len(charger.queue) == 4  # three MeterValues and the StopTransaction, kept in order
    assert tx.energy_wh is not None and tx.energy_wh >= 0

    await charger.go_online()
    await charger.wait_ready(15)
    await charger.wait_queue_empty(15)

    [session] = await simulation.sessions(cp["id"])
    assert session["transaction_id"] == tx.transaction_id
    assert session["state"] == "completed" and session["status"] == "normal"
    assert (session["meter_start_wh"], session["meter_stop_wh"]) == (tx.meter_start_wh, tx.meter_stop_wh)
    assert session["energy_wh"] == tx.energy_wh
    values = (await simulation.session_detail(session["id"]))["meter_values"]
    assert len(_periodic_registers(values)) == 4 == tx.meter_value_messages
    assert _periodic_registers(values) == sorted(_periodic_registers(values))

    expected = ["BootNotification", "StartTransaction", "MeterValues",
                *(["BootNotification"] if boot_on_reconnect else []),
                "MeterValues", "MeterValues", "MeterValues", "StopTransaction"]
    assert await _replayed_actions(simulation, cp["id"]) == expected
    assert charger.stats.queued_dropped == 0


async def test_a_session_started_offline_gets_its_transaction_id_on_replay(simulation: Simulation) -> None:
    charger, cp = await simulation.charger(meter_interval=0.1)
    assert await charger.authorize(charger.options.id_tag) == "Accepted"  # now in the authorization cache

    await charger.go_offline()
    tx = await charger.start_transaction()
    assert tx.transaction_id is None and tx.local_id < 0
    await eventually(lambda: tx.meter_value_messages >= 3, what="meter values made offline")
    await charger.stop_transaction()
    assert charger.queue.messages()[0].action == "StartTransaction"

    await charger.go_online()
    await charger.wait_ready(15)
    await charger.wait_queue_empty(15)
    assert tx.transaction_id is not None and tx.transaction_id > 0

    [session] = await simulation.sessions(cp["id"])
    assert session["transaction_id"] == tx.transaction_id
    assert session["state"] == "completed"
    assert (session["meter_start_wh"], session["meter_stop_wh"]) == (tx.meter_start_wh, tx.meter_stop_wh)
    values = (await simulation.session_detail(session["id"]))["meter_values"]
    assert len(_periodic_registers(values)) == tx.meter_value_messages
    # Nothing reached the server with our placeholder id.
    for message in await simulation.messages(cp["id"]):
        payload = orjson.loads(message["request"])[3] if message["direction"] == "in" else {}
        assert payload.get("transactionId", 1) > 0


async def test_an_offline_start_needs_the_card_in_the_authorization_cache(simulation: Simulation) -> None:
    charger, _ = await simulation.charger()
    await charger.go_offline()
    with pytest.raises(AuthorizationRejected):
        await charger.start_transaction()
    assert charger.connectors[1].transaction is None and len(charger.queue) == 0


async def test_the_charging_loop_keeps_charging_through_an_outage(simulation: Simulation) -> None:
    charger, cp = await simulation.charger(auto_charge=True, meter_interval=0.1, charge_seconds=0.4,
                                           idle_seconds=0.1)
    charger.start_charging_loop()
    await eventually(lambda: charger.stats.sessions_completed >= 1, what="a first session")
    await charger.go_offline()
    done_offline = charger.stats.sessions_completed
    await eventually(lambda: charger.stats.sessions_completed >= done_offline + 2, what="sessions while offline")
    await charger.go_online()
    await charger.wait_ready(15)
    await charger.stop(timeout=10)
    assert len(charger.queue) == 0

    sessions = await simulation.sessions(cp["id"])
    assert len(sessions) == charger.stats.sessions_started
    by_id = {s["transaction_id"]: s for s in sessions}
    for tx in charger.completed:
        server = by_id[tx.transaction_id]
        assert server["state"] == "completed"
        assert (server["meter_start_wh"], server["meter_stop_wh"]) == (tx.meter_start_wh, tx.meter_stop_wh)
