"""The live connections of this process, by charge point; the `ChargerGateway` the bus hands to the API."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime
from typing import Any

from chargeplane.bus import ChargerNotConnected, InvalidCommand
from chargeplane.domain.assets.events import ChargePointChanged
from chargeplane.ocpp.adapter import Adapter
from chargeplane.ocpp.connection import Connection
from chargeplane.ocpp.errors import CallErrorReply

log = logging.getLogger(__name__)

CLOSE_REPLACED = 4000  # an application close code: "another connection took over this identity"
CLOSE_REMOVED = 4001   # the charge point was deleted or rejected by its operator


class Registry:
    def __init__(self, adapters: list[Adapter]) -> None:
        # Until a charger connects, any version's commands are plausible; once it does, its own.
        self._adapters = list(adapters)
        self._all_actions = frozenset().union(*(a.command_actions for a in adapters))
        self._by_id: dict[uuid.UUID, Connection] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, charge_point_id: uuid.UUID) -> Connection | None:
        return self._by_id.get(charge_point_id)

    async def register(self, connection: Connection) -> bool:
        """Make `connection` the live one; close the one it replaces. True if it replaced one."""
        old = self._by_id.get(connection.charge_point_id)
        self._by_id[connection.charge_point_id] = connection
        if old is not None and old is not connection:
            log.warning("%s: a new connection replaced the live one", connection.identity)
            await old.close(CLOSE_REPLACED, "replaced by a newer connection")
            return True
        return False

    def unregister(self, connection: Connection) -> bool:
        """Forget `connection` if it is still the live one (a replaced one must not remove its successor)."""
        if self._by_id.get(connection.charge_point_id) is connection:
            del self._by_id[connection.charge_point_id]
            return True
        return False

    def connections(self) -> list[Connection]:
        return list(self._by_id.values())

    # ---- ChargerGateway ---------------------------------------------------------------------------

    async def call(self, charge_point_id: uuid.UUID, action: str, payload: dict[str, Any],
                   timeout: float | None = None) -> dict[str, Any]:
        connection = self._by_id.get(charge_point_id)
        if connection is None:
            raise ChargerNotConnected("the charge point is not connected")
        return await connection.call(action, payload, timeout)

    def is_connected(self, charge_point_id: uuid.UUID) -> bool:
        return charge_point_id in self._by_id

    def last_seen(self, charge_point_id: uuid.UUID) -> datetime | None:
        connection = self._by_id.get(charge_point_id)
        return connection.last_seen if connection else None

    def command_actions(self, charge_point_id: uuid.UUID) -> frozenset[str]:
        connection = self._by_id.get(charge_point_id)
        return connection.adapter.command_actions if connection else self._all_actions

    def check_command(self, charge_point_id: uuid.UUID, action: str, payload: dict[str, Any]) -> None:
        """Raise InvalidCommand unless the payload fits the action's schema: the connected charger's
        protocol version's, or (offline) any version's that has the action."""
        connection = self._by_id.get(charge_point_id)
        adapters = [connection.adapter] if connection else [a for a in self._adapters if action in a.command_actions]
        problem: InvalidCommand | None = None
        for adapter in adapters:
            try:
                adapter.schemas.check_request(action, payload)
                return
            except CallErrorReply as err:
                problem = InvalidCommand(err.description, field=err.details.get("field"))
        raise problem or InvalidCommand(f"{action} is not a command a central system sends")

    # ---- reacting to the operator -------------------------------------------------------------

    def on_charge_point_changed(self, event: ChargePointChanged) -> None:
        connection = self._by_id.get(event.charge_point_id)
        if connection is None:
            return
        if event.deleted or event.registration_status in ("rejected", "pending") or event.password_changed:
            # Removed, or no longer accepted: it must boot again to learn so. A new password: it must log in
            # again with it.
            self._spawn(connection.close(CLOSE_REMOVED, "the operator changed this charge point's registration"))
        elif event.registration_status == "accepted" and connection.boot_status != "Accepted":
            # Accepted while it waits as Pending: ask it to boot again now rather than at its next retry.
            self._spawn(self._trigger_boot(connection))

    async def _trigger_boot(self, connection: Connection) -> None:
        try:
            await connection.call("TriggerMessage", {"requestedMessage": "BootNotification"})
        except Exception as exc:
            log.info("%s: could not trigger a BootNotification: %s", connection.identity, exc)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close_all(self) -> None:
        for connection in list(self._by_id.values()):
            await connection.close(1001, "server shutting down")
        for task in list(self._tasks):
            task.cancel()
