"""The simulator obeys OCPP 1.6 charging profiles: set, cleared and asked about by a scripted central
system, and visible where a central system sees them, in the MeterValues the charger sends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chargeplane.simulator import ChargerOptions, SimulatedCharger, Transaction
from chargeplane.simulator.framing import timestamp
from tests.simulator.profiles import charging_profile
from tests.simulator.scripted import ScriptedCentralSystem
from tests.simulator.support import FAST, assert_valid_response, eventually

# A 22 kW charger: 32 A on 3 phases, sampling ten times a second.
SMART: dict[str, Any] = {**FAST, "max_power_w": 22_000.0, "phases": 3, "meter_interval": 0.1}
AT_10_A = 10 * 230 * 3


@dataclass
class Sample:
    at: datetime
    energy_wh: int
    power_w: float
    amps: list[float]


def samples(csms: ScriptedCentralSystem, connector_id: int = 1, since: datetime | None = None) -> list[Sample]:
    """The MeterValues of a connector as the central system received them, those taken since `since`."""
    found = []
    for action, payload in csms.calls:
        if action != "MeterValues" or payload["connectorId"] != connector_id:
            continue
        for value in payload["meterValue"]:
            at = datetime.fromisoformat(value["timestamp"])
            if since is not None and at < since:
                continue
            by = {v["measurand"]: v["value"] for v in value["sampledValue"] if "phase" not in v}
            amps = [float(v["value"]) for v in value["sampledValue"] if v["measurand"] == "Current.Import"]
            found.append(Sample(at, int(by["Energy.Active.Import.Register"]), float(by["Power.Active.Import"]),
                                amps))
    return found


async def samples_since(csms: ScriptedCentralSystem, since: datetime, count: int, connector_id: int = 1
                        ) -> list[Sample]:
    async def enough() -> list[Sample] | None:
        found = samples(csms, connector_id, since)
        return found if len(found) >= count else None

    found: list[Sample] = await eventually(enough, timeout=10, what=f"{count} MeterValues")
    return found


def statuses(csms: ScriptedCentralSystem, connector_id: int = 1) -> list[str]:
    return [p["status"] for a, p in csms.calls if a == "StatusNotification" and p["connectorId"] == connector_id]


async def charger_at(csms: ScriptedCentralSystem, **options: Any) -> SimulatedCharger:
    charger = SimulatedCharger(ChargerOptions(url=csms.url, identity="SMART-1", password="scripted-pass",
                                              **{**SMART, **options}))
    await charger.connect()
    assert (await charger.boot())["status"] == "Accepted"
    return charger


async def set_profile(csms: ScriptedCentralSystem, connector_id: int, profile: dict[str, Any]) -> str:
    frame = await csms.call("SetChargingProfile", {"connectorId": connector_id, "csChargingProfiles": profile})
    assert frame[0] == 3, frame
    assert_valid_response("SetChargingProfile", frame[2])
    status: str = frame[2]["status"]
    return status


async def clear(csms: ScriptedCentralSystem, **criteria: Any) -> str:
    frame = await csms.call("ClearChargingProfile", criteria)
    assert frame[0] == 3, frame
    status: str = frame[2]["status"]
    return status


async def composite(csms: ScriptedCentralSystem, connector_id: int, duration: int, unit: str | None = None
                    ) -> dict[str, Any]:
    request: dict[str, Any] = {"connectorId": connector_id, "duration": duration}
    if unit is not None:
        request["chargingRateUnit"] = unit
    frame = await csms.call("GetCompositeSchedule", request)
    assert frame[0] == 3, frame
    assert_valid_response("GetCompositeSchedule", frame[2])
    answer: dict[str, Any] = frame[2]
    return answer


def periods(answer: dict[str, Any]) -> list[tuple[int, float]]:
    return [(p["startPeriod"], p["limit"]) for p in answer["chargingSchedule"]["chargingSchedulePeriod"]]


def energy_rate_w(found: list[Sample]) -> float:
    """The mean power the register's growth shows (whole Wh, so over a second or more)."""
    seconds = (found[-1].at - found[0].at).total_seconds()
    return (found[-1].energy_wh - found[0].energy_wh) * 3600 / seconds


async def test_a_default_profile_of_10_a_limits_what_the_meter_values_show() -> None:
    async with ScriptedCentralSystem() as csms:
        charger = await charger_at(csms)
        await charger.start_transaction(authorize=False)
        free = await samples_since(csms, datetime.now(UTC), 15)
        assert all(s.power_w > 20_000 and min(s.amps) > 28 for s in free)  # what it draws unhindered

        assert await set_profile(csms, 1, charging_profile(periods=[(0, 10)])) == "Accepted"
        since = datetime.now(UTC)
        limit = charger.limit_in_force(1)
        assert limit is not None and limit.amps == 10 and limit.phases == 3
        assert 9.5 <= charger.current_draw(1) <= 10
        limited = await samples_since(csms, since, 15)
        await charger.stop(graceful=False)

    for sample in limited:
        assert len(sample.amps) == 3 and all(9.5 <= a <= 10 for a in sample.amps), sample
        assert 0.95 * AT_10_A <= sample.power_w <= AT_10_A
    # The register follows the power: the limited hour has less than a third of the energy.
    assert energy_rate_w(free) > 15_000
    assert energy_rate_w(limited) < AT_10_A + 3600 / (limited[-1].at - limited[0].at).total_seconds()


async def test_a_tx_profile_overrides_the_default_and_ends_with_its_transaction() -> None:
    async with ScriptedCentralSystem() as csms:
        charger = await charger_at(csms)
        assert await set_profile(csms, 0, charging_profile(1, periods=[(0, 10)])) == "Accepted"
        tx = await charger.start_transaction(authorize=False)
        assert 9.5 <= charger.current_draw(1) <= 10  # the default applies from the first moment

        # Upwards too: the TxProfile replaces the default, it is not a second cap. In watts this time.
        tx_profile = charging_profile(2, purpose="TxProfile", periods=[(0, 16 * 230 * 3)], unit="W",
                                      transactionId=tx.transaction_id)
        assert await set_profile(csms, 1, tx_profile) == "Accepted"
        since = datetime.now(UTC)
        found = await samples_since(csms, since, 3)
        assert all(15 <= a <= 16 for s in found for a in s.amps)
        assert periods(await composite(csms, 1, 60)) == [(0, 16)]

        await charger.stop_transaction()
        assert [p.id for p in charger.smart_charging.store.profiles] == [1]
        await charger.start_transaction(authorize=False)
        assert 9.5 <= charger.current_draw(1) <= 10
        await charger.stop(graceful=False)


async def test_the_charge_point_maximum_caps_the_sum_of_its_connectors() -> None:
    async with ScriptedCentralSystem() as csms:
        charger = await charger_at(csms, connectors=2)
        cap = charging_profile(7, purpose="ChargePointMaxProfile", periods=[(0, 20)])
        assert await set_profile(csms, 0, cap) == "Accepted"
        await charger.start_transaction(1, authorize=False)
        assert 19 <= charger.current_draw(1) <= 20  # alone, it may take all of it

        await charger.start_transaction(2, authorize=False)
        since = datetime.now(UTC)
        one, two = await samples_since(csms, since, 5, 1), await samples_since(csms, since, 5, 2)
        for a, b in zip(one, two, strict=False):
            assert max(a.amps) + max(b.amps) <= 20
            assert a.power_w + b.power_w <= 20 * 230 * 3
        assert min(one[-1].amps) >= 9.5 and min(two[-1].amps) >= 9.5  # shared, not starved

        # One that wants less leaves the rest to the other.
        assert await set_profile(csms, 1, charging_profile(periods=[(0, 6)])) == "Accepted"
        assert 5.7 <= charger.current_draw(1) <= 6 and 13.5 <= charger.current_draw(2) <= 14
        await charger.stop_transaction(1)
        assert 19 <= charger.current_draw(2) <= 20
        await charger.stop(graceful=False)


async def test_a_limit_of_0_suspends_charging_and_raising_it_resumes() -> None:
    async with ScriptedCentralSystem() as csms:
        charger = await charger_at(csms)
        await charger.start_transaction(authorize=False)
        assert await set_profile(csms, 1, charging_profile(3, periods=[(0, 0)])) == "Accepted"
        since = datetime.now(UTC)
        await eventually(lambda: statuses(csms)[-1:] == ["SuspendedEVSE"], what="SuspendedEVSE")
        assert charger.connectors[1].status == "SuspendedEVSE" and charger.current_draw(1) == 0
        paused = await samples_since(csms, since, 8)
        assert all(s.power_w == 0 and s.amps == [0, 0, 0] for s in paused)
        assert paused[0].energy_wh == paused[-1].energy_wh  # not one Wh more

        # The same id again replaces it.
        assert await set_profile(csms, 1, charging_profile(3, periods=[(0, 16)])) == "Accepted"
        await eventually(lambda: statuses(csms)[-1:] == ["Charging"], what="Charging again")
        assert 15 <= charger.current_draw(1) <= 16
        await charger.stop(graceful=False)
    assert statuses(csms) == ["Available", "Preparing", "Charging", "SuspendedEVSE", "Charging"]


async def test_clearing_by_id_and_by_criteria() -> None:
    async with ScriptedCentralSystem() as csms:
        charger = await charger_at(csms)
        await charger.start_transaction(authorize=False)
        assert await set_profile(csms, 1, charging_profile(1, periods=[(0, 10)])) == "Accepted"
        assert await set_profile(csms, 0, charging_profile(2, stack=1, periods=[(0, 6)])) == "Accepted"
        assert 5.7 <= charger.current_draw(1) <= 6

        assert await clear(csms, id=2) == "Accepted"
        assert 9.5 <= charger.current_draw(1) <= 10
        assert await clear(csms, id=2) == "Unknown"
        assert await clear(csms, connectorId=1, chargingProfilePurpose="TxDefaultProfile", stackLevel=3) == "Unknown"
        assert await clear(csms, connectorId=1, chargingProfilePurpose="TxDefaultProfile") == "Accepted"
        assert charger.limit_in_force(1) is None and charger.current_draw(1) > 28
        assert await clear(csms) == "Unknown"
        await charger.stop(graceful=False)


async def test_the_composite_schedule_shows_stacked_profiles_period_by_period() -> None:
    async with ScriptedCentralSystem() as csms:
        charger = await charger_at(csms, connectors=2)
        start = datetime.now(UTC)
        assert await set_profile(csms, 0, charging_profile(1, periods=[(0, 16)])) == "Accepted"
        assert await set_profile(csms, 1, charging_profile(2, stack=1, periods=[(0, 10), (30, 6)],
                                                           startSchedule=timestamp(start), duration=60)) == "Accepted"
        assert await set_profile(csms, 0, charging_profile(3, purpose="ChargePointMaxProfile",
                                                           periods=[(0, 24)])) == "Accepted"

        one = await composite(csms, 1, 120)
        assert one["status"] == "Accepted" and one["connectorId"] == 1
        assert abs(datetime.fromisoformat(one["scheduleStart"]) - start) < timedelta(seconds=1)
        assert one["chargingSchedule"]["duration"] == 120 and one["chargingSchedule"]["chargingRateUnit"] == "A"
        assert periods(one) == [(0, 10), (30, 6), (60, 16)]
        assert periods(await composite(csms, 1, 120, "W")) == [(0, 6900), (30, 4140), (60, 11040)]
        # The charge point as a whole: 10 + 16, 6 + 16 and 16 + 16 under the cap of 24.
        assert periods(await composite(csms, 0, 120)) == [(0, 24), (30, 22), (60, 24)]
        assert await composite(csms, 3, 60) == {"status": "Rejected"}
        await charger.stop(graceful=False)


async def test_profiles_the_charger_refuses() -> None:
    async with ScriptedCentralSystem() as csms:
        charger = await charger_at(csms, connectors=2, charging_rate_units="Current")
        answer = await csms.call("GetConfiguration", {"key": [
            "SupportedFeatureProfiles", "ChargingScheduleAllowedChargingRateUnit", "MaxChargingProfilesInstalled"]})
        assert {k["key"]: k["value"] for k in answer[2]["configurationKey"]} == {
            "SupportedFeatureProfiles": "Core,RemoteTrigger,SmartCharging",
            "ChargingScheduleAllowedChargingRateUnit": "Current", "MaxChargingProfilesInstalled": "16"}
        refused = [
            (1, charging_profile(purpose="TxProfile")),                    # no transaction on connector 1
            (1, charging_profile(purpose="ChargePointMaxProfile")),        # belongs to connector 0
            (0, charging_profile(purpose="TxProfile")),
            (1, charging_profile(unit="W", periods=[(0, 6900)])),          # only Current is allowed here
            (1, charging_profile(stack=9)),                                # ChargeProfileMaxStackLevel is 8
            (1, charging_profile(periods=[(n * 60, 16) for n in range(25)])),  # ChargingScheduleMaxPeriods 24
            (3, charging_profile()),                                       # no connector 3
        ]
        for connector_id, profile in refused:
            assert await set_profile(csms, connector_id, profile) == "Rejected", profile

        tx: Transaction = await charger.start_transaction(2, authorize=False)
        wrong_tx = charging_profile(purpose="TxProfile", transactionId=(tx.transaction_id or 0) + 1)
        assert await set_profile(csms, 2, wrong_tx) == "Rejected"
        assert await set_profile(csms, 1, charging_profile(purpose="TxProfile")) == "Rejected"  # 2 charges, not 1
        assert await set_profile(csms, 2, charging_profile(purpose="TxProfile")) == "Accepted"

        charger.configuration.set("MaxChargingProfilesInstalled", "2")
        assert await set_profile(csms, 1, charging_profile(2)) == "Accepted"
        assert await set_profile(csms, 1, charging_profile(3, stack=1)) == "Rejected"  # a third one
        assert await set_profile(csms, 1, charging_profile(4)) == "Accepted"           # replaces id 2
        assert sorted(p.id for p in charger.smart_charging.store.profiles) == [1, 4]
        assert charger.stats.call_errors_sent == 0
        await charger.stop(graceful=False)


async def test_a_charger_without_smart_charging_says_so() -> None:
    async with ScriptedCentralSystem() as csms:
        charger = await charger_at(csms, smart_charging=False)
        assert await set_profile(csms, 1, charging_profile()) == "NotSupported"
        assert (await csms.call("ClearChargingProfile", {}))[2] == "NotSupported"
        assert (await csms.call("GetCompositeSchedule", {"connectorId": 1, "duration": 60}))[2] == "NotSupported"
        answer = await csms.call("GetConfiguration",
                                 {"key": ["SupportedFeatureProfiles", "ChargingScheduleMaxPeriods"]})
        assert answer[2]["configurationKey"] == [
            {"key": "SupportedFeatureProfiles", "readonly": True, "value": "Core,RemoteTrigger"}]
        assert answer[2]["unknownKey"] == ["ChargingScheduleMaxPeriods"]
        await charger.start_transaction(authorize=False)
        assert charger.limit_in_force(1) is None and charger.current_draw(1) > 28
        await charger.stop(graceful=False)


async def test_a_relative_schedule_moves_to_its_next_period_on_time_by_itself() -> None:
    async with ScriptedCentralSystem() as csms:
        charger = await charger_at(csms)
        # Nothing for the first second of every transaction, then 16 A: set before it starts.
        profile = charging_profile(kind="Relative", periods=[(0, 0), (1, 16)])
        assert await set_profile(csms, 1, profile) == "Accepted"
        tx = await charger.start_transaction(authorize=False)
        assert charger.connectors[1].status == "SuspendedEVSE"
        await eventually(lambda: statuses(csms)[-1:] == ["Charging"], what="charging after the first period")
        assert 15 <= charger.current_draw(1) <= 16
        resumed = [p for a, p in csms.calls if a == "StatusNotification" and p["status"] == "Charging"][-1]
        assert datetime.fromisoformat(resumed["timestamp"]) >= tx.started_at + timedelta(seconds=1)
        assert periods(await composite(csms, 1, 10)) == [(0, 16)]  # the transaction is past its first second
        await charger.stop(graceful=False)
    assert statuses(csms) == ["Available", "Preparing", "SuspendedEVSE", "Charging"]
