"""The chargers as the site sees them, whatever the database says: what each one follows and may draw."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from chargeplane.domain.smartcharging.planning import ProfileSend

CONNECTORS = 2
# What a charger may draw: under the profiles it accepted, with its sessions as they are; the same if
# every free connector took a car right now (the plan's own promise: its caps add up to the limit); and
# with a charger that refused a profile drawing its maximum until it accepts one again.
MODELS = ("accepted", "every connector", "refusers at max")



@dataclass(slots=True)
class Running:
    session_id: uuid.UUID
    transaction_id: int
    car_da: int
    started_at: datetime
    tx_da: int | None = None  # the TxProfile it accepted


@dataclass(slots=True)
class Charger:
    """The charger as the site sees it, whatever the database says."""

    id: uuid.UUID
    max_da: int
    refuses: str = ""  # "" | "all" | "tx" (accepts its charger-wide cap, refuses TxProfiles)
    online: bool = True
    cap_da: int | None = None  # the ChargePointMaxProfile it accepted
    refused: bool = False  # since its last refusal, until it accepts again
    sessions: dict[int, Running] = field(default_factory=dict)

    def possible_da(self, model: str) -> int:
        if model == "every connector" and len(self.sessions) < CONNECTORS:
            return min(self.max_da if self.cap_da is None else self.cap_da, self.max_da)  # a new car has no TxProfile
        if not self.sessions:
            return 0
        if model == "refusers at max" and self.refused:
            return self.max_da
        tx = sum(self.max_da if s.tx_da is None else s.tx_da for s in self.sessions.values())
        return min(self.max_da if self.cap_da is None else self.cap_da, tx, self.max_da)

    def answer(self, send: ProfileSend) -> str:
        refused = self.refuses == "all" or (self.refuses == "tx" and send.session_id is not None)
        return "Rejected" if refused else "Accepted"

    def receive(self, send: ProfileSend, status: str) -> int:
        """Follow the profile if accepted; by how much it raised the limit this charger followed."""
        self.refused = status != "Accepted"
        if self.refused:
            return 0
        if send.session_id is None:
            raised = send.limit_da - (self.max_da if self.cap_da is None else self.cap_da)
            self.cap_da = send.limit_da
            return raised
        for running in self.sessions.values():
            if running.session_id == send.session_id:
                raised = send.limit_da - (self.max_da if running.tx_da is None else running.tx_da)
                running.tx_da = send.limit_da
                return raised
        return 0
