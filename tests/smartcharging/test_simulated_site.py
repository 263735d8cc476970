"""Load balancing seen from the meters: simulated chargers (which obey charging profiles) at a site
with a 32 A limit. What they actually draw, sampled all along and read back from the MeterValues the
server stored, never adds up to more than the limit as sessions start and stop."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from chargeplane.simulator import SimulatedCharger
from tests.simulator.support import Simulation, eventually

LIMIT_A = 32.0


class DrawWatch:
    """Samples what every charger draws (amps per phase, as its next MeterValues will report) every 10 ms."""

    def __init__(self, chargers: list[SimulatedCharger]) -> None:
        self.chargers, self.worst = chargers, 0.0
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            self.worst = max(self.worst, sum(c.current_draw(1) for c in self.chargers))
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def share(simulation: Simulation, site_id: str, charge_point_id: str) -> float | None:
    load = (await simulation.api.get(f"/api/v1/sites/{site_id}/load")).json()
    found = [s for s in load["sessions"] if s["charge_point_id"] == charge_point_id and s["state"] == "accepted"]
    return float(found[0]["accepted_limit_a"]) if found else None


async def stored_currents(simulation: Simulation, charge_point_id: str) -> list[float]:
    """Current.Import values (busiest phase per reading) the server stored for the charger's last session."""
    session = (await simulation.sessions(charge_point_id))[0]
    readings: dict[str, float] = {}
    for value in (await simulation.session_detail(session["id"]))["meter_values"]:
        if value["measurand"] == "Current.Import":
            readings[value["timestamp"]] = max(readings.get(value["timestamp"], 0.0), float(value["value"]))
    return list(readings.values())


async def test_what_the_chargers_draw_stays_within_the_site_limit(simulation: Simulation) -> None:
    site = (await simulation.api.post("/api/v1/sites", json={"name": "Depot"})).json()
    chargers: list[tuple[SimulatedCharger, dict[str, Any]]] = []
    for _ in range(3):
        charger, cp = await simulation.charger(max_power_w=22_000.0, meter_interval=0.2)
        assert (await simulation.api.patch(f"/api/v1/charge-points/{cp['id']}",
                                           json={"site_id": site["id"]})).status_code == 200
        chargers.append((charger, cp))
    limit = await simulation.api.put(f"/api/v1/sites/{site['id']}/charging-limit", json={"limit": LIMIT_A})
    assert limit.status_code == 200, limit.text
    # Idle, each holds its 6 A standby: from here on the site is steered.
    await eventually(lambda: all(c.limit_in_force(0) is not None and c.limit_in_force(0).amps == 6.0  # type: ignore[union-attr]
                                 for c, _ in chargers), what="the standby caps")
    watch = DrawWatch([c for c, _ in chargers])
    try:
        (a, cp_a), (b, cp_b), (c, cp_c) = chargers
        await a.start_transaction()
        await eventually(lambda: share(simulation, site["id"], cp_a["id"]), what="A's share")
        assert await share(simulation, site["id"], cp_a["id"]) == 20.0  # 32 less two 6 A standbys
        await b.start_transaction()
        await c.start_transaction()

        async def even() -> bool:  # 32 A in 0.1 A steps: two get the last 0.1 A
            return sorted([await share(simulation, site["id"], cp["id"]) or 0 for _, cp in chargers]) == [
                10.6, 10.7, 10.7]

        await eventually(even, what="three equal shares")
        await eventually(lambda: all(ch.current_draw(1) > 10 for ch, _ in chargers), what="all three drawing")
        await asyncio.sleep(1.0)  # a few MeterValues each at the shared current

        await a.stop_transaction()
        await eventually(lambda: b.current_draw(1) > 12 and c.current_draw(1) > 12, what="A's share passed on")
        await asyncio.sleep(0.6)
        # Near the limit (the site was used), never above it.
        assert 30 < watch.worst <= LIMIT_A + 1e-6, f"the chargers drew {watch.worst} A together"
    finally:
        await watch.stop()
    for charger, _ in chargers:
        await charger.wait_queue_empty(10)
    # The meters' own word, as the server stored it: each reading within its share, so within the limit.
    for _, cp in chargers:
        currents = await stored_currents(simulation, cp["id"])
        assert currents and max(currents) <= 20.0 + 1e-6, currents
    b_currents = await stored_currents(simulation, cp_b["id"])
    assert any(10.0 <= x <= 10.7 for x in b_currents) and any(x > 12 for x in b_currents)
    c_currents = await stored_currents(simulation, cp_c["id"])
    assert max(b_currents) + max(c_currents) <= LIMIT_A
