"""How a command to a charger can fail; the API maps each to its HTTP answer."""

from __future__ import annotations

from typing import Any


class ChargerCallFailed(Exception):
    """A command to a charger got no usable answer."""


class InvalidCommand(ChargerCallFailed):
    """The command's payload does not fit the action's schema (or the action is not one we send)."""

    def __init__(self, problem: str, field: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.field = field


class ChargerNotConnected(ChargerCallFailed):
    pass


class ChargerRejected(ChargerCallFailed):
    """OCPP forbids sending anything to a charger whose boot was rejected."""


class ChargerPending(ChargerCallFailed):
    """OCPP 1.6 §4.2: some commands (remote start and stop) must wait until the charger is accepted."""


class ChargerTimeout(ChargerCallFailed):
    pass


class ChargerBusy(ChargerCallFailed):
    """Another command to this charger is still outstanding and did not finish in time."""


class ChargerCallError(ChargerCallFailed):
    """The charger answered with a CALLERROR."""

    def __init__(self, code: str, description: str, details: Any) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.details = details


class ChargerReplyInvalid(ChargerCallFailed):
    """The charger's answer does not match the action's response schema."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
