"""Simulated chargers (the project's own simulator) against the app under test, on the app's loop.

They answer RemoteStartTransaction by starting a transaction and send MeterValues every
`meter_interval` seconds while charging (the register grows with real time), so a page that shows
live energy has something to show. `offline` drops the network as a lost connection would;
`stop` switches a charger off (its running session ends first); `online` brings it back.
"""

from __future__ import annotations

from typing import Any

from chargeplane.simulator import ChargerOptions, SimulatedCharger
from tests.simulator.support import FAST
from tests.support.server import RunningApp

READY_TIMEOUT = 15.0


class Chargers:
    def __init__(self, running: RunningApp) -> None:
        self.running = running
        self.by_identity: dict[str, SimulatedCharger] = {}

    def start(self, identity: str, password: str, *, id_tag: str = "SIMTAG", meter_interval: float = 1.0,
              ready: bool = True, **options: Any) -> SimulatedCharger:
        """Connect a charger and keep it connected; with `ready`, wait until its boot is accepted and its
        connectors reported (a charger the operator has yet to accept stays Pending: `ready=False`)."""
        charger = SimulatedCharger(ChargerOptions(url=self.running.ws_url, identity=identity, password=password,
                                                  id_tag=id_tag, **{**FAST, "meter_interval": meter_interval,
                                                                    **options}))
        self.by_identity[identity] = charger

        async def go() -> None:
            charger.start()
            if ready:
                await charger.wait_ready(READY_TIMEOUT)

        self.running.run(go(), READY_TIMEOUT + 5)
        return charger

    def __getitem__(self, identity: str) -> SimulatedCharger:
        return self.by_identity[identity]

    def wait_ready(self, identity: str, timeout: float = READY_TIMEOUT) -> None:
        """Until the charger is connected, accepted and has reported its connectors."""
        self.running.run(self[identity].wait_ready(timeout), timeout + 5)

    def offline(self, identity: str) -> None:
        """The network goes: the socket drops without a goodbye; the charger queues what it has to say."""
        self.running.run(self[identity].go_offline())

    def online(self, identity: str, *, ready: bool = True) -> None:
        charger = self[identity]
        self.running.run(charger.go_online())
        if ready:
            self.wait_ready(identity)

    def stop(self, identity: str) -> None:
        """Switched off: a running session ends (reason Other) and the connection closes."""
        self.running.run(self[identity].stop())

    def authorize(self, identity: str, id_tag: str) -> str:
        """The charger asks whether a card may charge here (Authorize); the central system's answer."""
        answer = self.running.run(self[identity].call("Authorize", {"idTag": id_tag}))
        status: str = answer["idTagInfo"]["status"]
        return status

    def stop_all(self) -> None:
        for charger in self.by_identity.values():
            self.running.run(charger.stop(graceful=False))
