"""Transaction messages (StartTransaction, MeterValues of a transaction, StopTransaction) in the order they
were made, delivered one by one whether the charge point is online or not.

OCPP 1.6 asks a charge point to keep these while offline and deliver them, in order, when it is back:
they carry money. A StartTransaction made offline has no transactionId yet, so the messages after it
carry our placeholder until the server's answer to the replayed start tells us the real one.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from chargeplane.simulator.connectors import Transaction

TRANSACTION_ACTIONS = frozenset({"StartTransaction", "MeterValues", "StopTransaction"})


@dataclass(eq=False, slots=True)
class QueuedMessage:
    action: str
    payload: dict[str, Any]
    transaction: Transaction
    attempts: int = 0        # sends that failed with InternalError or got no answer while online
    retry_at: float = 0.0    # time.monotonic() before which it is not sent again
    # The CALLRESULT payload once delivered; None when it was given up on.
    outcome: asyncio.Future[dict[str, Any] | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())

    def payload_to_send(self) -> dict[str, Any] | None:
        """The payload with the server's transactionId in place of our placeholder; None if none will come."""
        if self.action == "StartTransaction":
            return self.payload
        transaction_id = self.transaction.transaction_id
        if transaction_id is None:
            return None
        return {**self.payload, "transactionId": transaction_id}


class TransactionQueue:
    def __init__(self) -> None:
        self._items: deque[QueuedMessage] = deque()
        self._changed = asyncio.Event()

    def __len__(self) -> int:
        return len(self._items)

    def append(self, action: str, payload: dict[str, Any], transaction: Transaction) -> QueuedMessage:
        assert action in TRANSACTION_ACTIONS
        message = QueuedMessage(action, payload, transaction)
        self._items.append(message)
        self._changed.set()
        return message

    def head(self) -> QueuedMessage | None:
        return self._items[0] if self._items else None

    def finish_head(self, outcome: dict[str, Any] | None) -> None:
        """The head was delivered (its answer) or given up on (None)."""
        message = self._items.popleft()
        if not message.outcome.done():
            message.outcome.set_result(outcome)
        self._changed.set()

    def retry_head_later(self, delay: float) -> None:
        message = self._items[0]
        message.attempts += 1
        message.retry_at = time.monotonic() + delay

    async def wait_for_head(self) -> QueuedMessage:
        while not self._items:
            self._changed.clear()
            await self._changed.wait()
        return self._items[0]

    async def wait_empty(self) -> None:
        while self._items:
            self._changed.clear()
            await self._changed.wait()

    def messages(self) -> list[QueuedMessage]:
        return list(self._items)
