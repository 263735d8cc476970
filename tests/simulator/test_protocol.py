"""The simulator's side of OCPP-J against a scripted central system: retries, drops, timeouts, one CALL
at a time, and answers to CALLs the real app would never send."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from chargeplane.simulator import CallTimeout, ChargerOptions, SimulatedCharger
from tests.simulator.scripted import DEFAULT, Default, Reply, ScriptedCentralSystem
from tests.simulator.support import FAST, eventually


def _charger(url: str, **options: Any) -> SimulatedCharger:
    charger = SimulatedCharger(ChargerOptions(url=url, identity="SCRIPTED-1", password="scripted-pass",
                                              **{**FAST, **options}))
    charger.configuration.change_configuration("TransactionMessageRetryInterval", "0.05")
    return charger


async def _booted(charger: SimulatedCharger) -> SimulatedCharger:
    await charger.connect()
    assert (await charger.boot())["status"] == "Accepted"
    return charger


async def test_internal_error_is_retried_and_other_call_errors_drop_the_message() -> None:
    failures: dict[str, list[Reply]] = {"StartTransaction": [("InternalError", "db hiccup")],
                "MeterValues": [("GenericError", "not today")]}

    async def script(action: str, payload: dict[str, Any]) -> Reply | Default:
        queue = failures.get(action)
        return queue.pop(0) if queue else DEFAULT

    async with ScriptedCentralSystem(script) as csms:
        charger = await _booted(_charger(csms.url))
        tx = await charger.start_transaction(authorize=False)
        assert tx.transaction_id == 1001
        await charger.send_meter_values()   # refused with GenericError: dropped, not retried
        await charger.send_meter_values()
        await charger.stop_transaction()
        await charger.wait_queue_empty(5)
        await charger.stop(graceful=False)

    assert csms.actions("StartTransaction", "MeterValues", "StopTransaction") == [
        "StartTransaction", "StartTransaction", "MeterValues", "MeterValues", "StopTransaction"]
    assert [p.get("transactionId") for a, p in csms.calls if a in ("MeterValues", "StopTransaction")] == [
        1001, 1001, 1001]
    assert charger.stats.queued_dropped == 1
    assert charger.stats.call_errors_received == 2


async def test_a_start_refused_for_good_takes_its_meter_values_and_stop_with_it() -> None:
    async def script(action: str, payload: dict[str, Any]) -> Reply | Default:
        return ("PropertyConstraintViolation", "no") if action == "StartTransaction" else DEFAULT

    async with ScriptedCentralSystem(script) as csms:
        charger = await _booted(_charger(csms.url))
        tx = await charger.start_transaction(authorize=False)
        assert tx.start_dropped and tx.transaction_id is None
        await charger.send_meter_values()
        await charger.stop_transaction()
        await charger.wait_queue_empty(5)
        await charger.stop(graceful=False)

    assert csms.actions("StartTransaction", "MeterValues", "StopTransaction") == ["StartTransaction"]
    assert charger.stats.queued_dropped == 3


async def test_an_unanswered_transaction_message_is_tried_a_limited_number_of_times() -> None:
    async def script(action: str, payload: dict[str, Any]) -> Reply | Default:
        return None if action == "StopTransaction" else DEFAULT

    async with ScriptedCentralSystem(script) as csms:
        charger = await _booted(_charger(csms.url, call_timeout=0.2))
        charger.configuration.change_configuration("TransactionMessageAttempts", "3")
        await charger.start_transaction(authorize=False)
        await charger.stop_transaction()
        await charger.wait_queue_empty(10)
        assert charger.ready  # a silent server is not a reason to drop the connection
        await charger.stop(graceful=False)

    assert csms.actions("StopTransaction") == ["StopTransaction"] * 3
    assert charger.stats.timeouts == 3 and charger.stats.queued_dropped == 1


async def test_never_more_than_one_call_of_its_own_outstanding() -> None:
    async def slow(action: str, payload: dict[str, Any]) -> Reply | Default:
        await asyncio.sleep(0.02)
        return DEFAULT

    async with ScriptedCentralSystem(slow) as csms:
        charger = await _booted(_charger(csms.url, meter_interval=0.01))
        charger.configuration.change_configuration("HeartbeatInterval", "0.03")
        tx = await charger.start_transaction(authorize=False)
        await eventually(lambda: csms.actions("MeterValues").count("MeterValues") >= 10, what="meter values")
        await charger.stop_transaction()
        await charger.wait_queue_empty(10)
        await charger.stop(graceful=False)

    assert csms.max_outstanding == 1
    assert "Heartbeat" in csms.actions()
    assert len(csms.actions("MeterValues")) == tx.meter_value_messages


async def test_answers_to_calls_the_charger_does_not_know_or_cannot_read() -> None:
    async with ScriptedCentralSystem() as csms:
        charger = await _booted(_charger(csms.url))
        assert (await csms.call("FlyToTheMoon", {}))[2] == "NotImplemented"
        assert (await csms.call("UpdateFirmware", {"location": "ftp://x", "retrieveDate": "2030-01-01T00:00:00Z"})
                )[2] == "NotSupported"
        assert (await csms.call("Reset", {}))[2] == "ProtocolError"          # "type" is missing
        assert (await csms.call("Reset", {"type": "Gentle"}))[2] == "TypeConstraintViolation"
        await csms.send_raw("this is not JSON")                               # ignored: nothing to answer
        await csms.send_raw(orjson.dumps([2, "broken", "Reset"]).decode())    # a CALL without payload
        assert charger.connected
        answer = await csms.call("GetConfiguration", {"key": ["HeartbeatInterval"]})
        assert answer[0] == 3 and answer[2]["configurationKey"][0]["value"] == "300"
        await charger.stop(graceful=False)
    assert charger.stats.call_errors_sent == 5


async def test_a_late_answer_after_a_timeout_is_not_taken_for_the_next_one() -> None:
    delays: dict[str, list[float]] = {"Heartbeat": [0.4]}

    async def script(action: str, payload: dict[str, Any]) -> Reply | Default:
        if delays.get(action):
            await asyncio.sleep(delays[action].pop(0))
        return DEFAULT

    async with ScriptedCentralSystem(script) as csms:
        charger = await _booted(_charger(csms.url, call_timeout=0.2))
        with pytest.raises(CallTimeout):
            await charger.heartbeat()
        status = await charger.authorize("SOME-TAG")  # its answer, not the late heartbeat's
        assert status == "Accepted"
        await charger.stop(graceful=False)
    assert charger.stats.timeouts == 1
