"""Handshakes, backoff and boots as the server's answers make them happen."""

from __future__ import annotations

import pytest

from chargeplane.simulator import HandshakeRefused
from tests.simulator.support import FAST, Simulation, eventually


async def test_a_refused_handshake_backs_off_and_retries_until_the_password_is_right(simulation: Simulation) -> None:
    charger, cp = await simulation.charger(password="wrong-password-1", registered_password="right-password-1",
                                           ready=False)
    with pytest.raises(HandshakeRefused) as refused:
        await charger.connect()
    assert refused.value.status == 401

    charger.start()
    await eventually(lambda: charger.stats.handshake_refusals >= 4, what="repeated refusals")
    assert charger.stats.last_refusal == "HTTP 401"
    assert not charger.connected and charger.stats.calls_sent == 0

    # Exponential with jitter: each delay within [ceiling/2, ceiling], the ceiling doubling up to the cap.
    initial, cap = FAST["backoff_initial"], FAST["backoff_cap"]
    for n, delay in enumerate(charger.backoff_delays[:4]):
        ceiling = min(cap, initial * 2**n)
        assert ceiling / 2 <= delay <= ceiling, (n, delay)
    assert len(set(charger.backoff_delays)) == len(charger.backoff_delays)  # jittered, not a fixed schedule

    # The operator sets the password the charger has: it gets in at its next attempt.
    response = await simulation.api.patch(f"/api/v1/charge-points/{cp['id']}", json={"password": "wrong-password-1"})
    assert response.status_code == 200, response.text
    await charger.wait_ready(10)
    assert charger.stats.boots == 1
    assert (await simulation.charge_point(cp["id"]))["connected"]


async def test_an_unknown_charger_is_refused_with_404(simulation: Simulation) -> None:
    charger, _ = await simulation.charger(register=False, ready=False)
    with pytest.raises(HandshakeRefused) as refused:
        await charger.connect()
    assert refused.value.status == 404
    assert charger.stats.handshake_refusals == 1


async def test_a_dropped_connection_is_re_established(simulation: Simulation) -> None:
    charger, cp = await simulation.charger()
    await charger.go_offline()

    async def server_sees_it_gone() -> bool:
        return not (await simulation.charge_point(cp["id"]))["connected"]

    await eventually(server_sees_it_gone, what="the server noticing the dropped socket")
    await charger.go_online()
    await charger.wait_ready(10)
    assert charger.stats.connects == 2 and charger.stats.boots == 2

    # A close from the server side (the operator changed the password) is a drop like any other.
    response = await simulation.api.patch(f"/api/v1/charge-points/{cp['id']}", json={"password": "sim-password-1"})
    assert response.status_code == 200
    await eventually(lambda: charger.stats.connects == 3 and charger.ready, what="the third connection")


async def test_a_pending_charger_boots_at_once_when_accepted(simulation: Simulation) -> None:
    # The server asks a Pending charger to come back in 60 s; its TriggerMessage must not wait that long.
    charger, cp = await simulation.charger(ready=False)
    response = await simulation.api.patch(f"/api/v1/charge-points/{cp['id']}",
                                          json={"registration_status": "pending"})
    assert response.status_code == 200
    charger.start()
    await eventually(lambda: charger.boot_status == "Pending", what="a Pending boot")
    assert not charger.accepted and charger.stats.sent_by_action["StatusNotification"] == 0

    response = await simulation.api.post(f"/api/v1/charge-points/{cp['id']}/accept")
    assert response.status_code == 200, response.text
    await charger.wait_ready(10)
    assert charger.boot_status == "Accepted"
    assert charger.stats.sent_by_action["BootNotification"] == 2


async def test_a_rejected_charger_sends_nothing_but_boots(simulation: Simulation) -> None:
    charger, cp = await simulation.charger(ready=False)
    response = await simulation.api.patch(f"/api/v1/charge-points/{cp['id']}",
                                          json={"registration_status": "rejected"})
    assert response.status_code == 200
    charger.start()
    await eventually(lambda: charger.boot_status == "Rejected", what="a Rejected boot")
    assert set(charger.stats.sent_by_action) == {"BootNotification"}
