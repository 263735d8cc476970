"""The charging side of a simulated charge point: connectors, meters, authorization and transactions.

It knows nothing of sockets. What it has to say goes through `_call` (answered now, or LinkError) and
the transaction queue; `SimulatedCharger` provides the connection behind both.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from chargeplane.simulator import availability, framing
from chargeplane.simulator.configuration import Configuration
from chargeplane.simulator.connectors import (
    AVAILABLE,
    CHARGING,
    FAULTED,
    FINISHING,
    PREPARING,
    UNAVAILABLE,
    Connector,
    Transaction,
)
from chargeplane.simulator.link import CallErrorReceived, CallTimeout, LinkError, NotConnected
from chargeplane.simulator.meter import Meter
from chargeplane.simulator.options import ChargerOptions
from chargeplane.simulator.smart_charging import SmartCharging
from chargeplane.simulator.stats import ChargerStats
from chargeplane.simulator.transaction_queue import QueuedMessage, TransactionQueue

log = logging.getLogger(__name__)

COMPLETED_KEPT = 100  # a long run of a large fleet must not keep every session it ever made


class NotPossible(Exception):
    """The charge point cannot do that now (the connector is busy, unavailable, faulted...)."""


class AuthorizationRejected(Exception):
    def __init__(self, id_tag: str, status: str) -> None:
        super().__init__(f"{id_tag}: {status}")
        self.id_tag = id_tag
        self.status = status


def utcnow() -> datetime:
    return datetime.now(UTC)


class Station:
    def __init__(self, options: ChargerOptions) -> None:
        self.options = options
        self.identity = options.identity
        self.stats = ChargerStats()
        self.rng = random.Random(options.seed if options.seed is not None else options.identity)
        self.configuration = Configuration(
            connectors=options.connectors, heartbeat_interval=options.heartbeat_interval,
            meter_interval=options.meter_interval, authorization_key=options.password,
            sampled_measurands=options.measurands, smart_charging=options.smart_charging,
            charging_rate_units=options.charging_rate_units,
        )
        self.connectors = {
            n: Connector(n, Meter(self.rng, max_power_w=options.max_power_w, phases=options.phases,
                                  battery_wh=options.battery_wh))
            for n in range(1, options.connectors + 1)
        }
        self.operative = True                       # connector 0: the charge point as a whole
        self.scheduled_operative: bool | None = None
        self.queue = TransactionQueue()
        # The latest sessions, for tests and curious users; the counters in `stats` have the totals.
        self.completed: deque[Transaction] = deque(maxlen=COMPLETED_KEPT)
        self.authorization_cache: dict[str, str] = {}  # idTag -> last idTagInfo.status
        self._local_ids = itertools.count(-1, -1)
        self._rebooting = False
        self.configuration.on_change(self._on_configuration_changed)
        self.smart_charging = SmartCharging(
            enabled=options.smart_charging, connectors=self.connectors, configuration=self.configuration,
            phases=options.phases, report=lambda ids: self._spawn(lambda: self.send_statuses(ids)))

    # ---- what the connection provides -------------------------------------------------------------

    @property
    def accepted(self) -> bool:
        """Connected with a BootNotification accepted: messages other than a boot may be sent."""
        raise NotImplementedError

    async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send a CALL now and return the answer's payload; raises LinkError (offline, CALLERROR, timeout)."""
        raise NotImplementedError

    async def _await_delivery(self, message: QueuedMessage) -> None:
        raise NotImplementedError

    def _spawn(self, work: Callable[[], Awaitable[None]]) -> None:
        raise NotImplementedError

    # ---- connectors and status --------------------------------------------------------------------

    def connector(self, connector_id: int) -> Connector:
        try:
            return self.connectors[connector_id]
        except KeyError:
            raise NotPossible(f"there is no connector {connector_id}") from None

    def transaction(self, transaction_id: int) -> Transaction | None:
        """The running transaction with this id (the server's, or our placeholder)."""
        for c in self.connectors.values():
            tx = c.transaction
            if tx is not None and transaction_id in (tx.transaction_id, tx.local_id):
                return tx
        return None

    @property
    def can_start(self) -> bool:
        return self.operative and not self._rebooting

    @property
    def charging(self) -> int:
        return sum(1 for c in self.connectors.values() if c.transaction is not None)

    def idle_status(self, connector: Connector) -> str:
        if connector.error_code != "NoError":
            return FAULTED
        return AVAILABLE if connector.operative and self.operative else UNAVAILABLE

    async def send_status(self, connector_id: int) -> None:
        """StatusNotification for one connector (0: the charge point). Offline, nothing is sent:
        the status of every connector goes out after the next boot anyway."""
        if connector_id == 0:
            status, error_code = (AVAILABLE if self.operative else UNAVAILABLE), "NoError"
        else:
            connector = self.connector(connector_id)
            status, error_code = connector.status, connector.error_code
        if not self.accepted:
            return
        payload = {"connectorId": connector_id, "errorCode": error_code, "status": status,
                   "timestamp": framing.timestamp()}
        try:
            await self.call("StatusNotification", payload)
        except LinkError as exc:
            log.debug("%s: StatusNotification not delivered: %s", self.identity, exc)

    async def send_statuses(self, connector_ids: list[int]) -> None:
        for connector_id in connector_ids:
            await self.send_status(connector_id)

    async def set_status(self, connector: Connector, status: str) -> None:
        if connector.status != status:
            connector.status = status
            await self.send_status(connector.connector_id)

    async def set_fault(self, connector_id: int, error_code: str = "OtherError") -> None:
        """The connector fails: a running transaction stops (reason Other) and it reports Faulted."""
        connector = self.connector(connector_id)
        connector.error_code = error_code  # first, so that the stop below ends in Faulted, not Available
        if connector.transaction is not None:
            await self.stop_transaction(connector_id, reason="Other")
        else:
            await self.set_status(connector, FAULTED)

    async def clear_fault(self, connector_id: int) -> None:
        connector = self.connector(connector_id)
        connector.error_code = "NoError"
        await self.set_status(connector, self.idle_status(connector))

    # ---- authorization ----------------------------------------------------------------------------

    async def authorize(self, id_tag: str) -> str:
        """Authorize.req; returns idTagInfo.status and remembers it in the authorization cache."""
        reply = await self.call("Authorize", {"idTag": id_tag})
        status = str(reply["idTagInfo"]["status"])
        self._remember_authorization(id_tag, status)
        return status

    def _remember_authorization(self, id_tag: str, status: str) -> None:
        if self.configuration.flag("AuthorizationCacheEnabled"):
            self.authorization_cache[id_tag] = status

    async def _authorize_for_start(self, id_tag: str) -> str:
        cached = self.authorization_cache.get(id_tag) if self.configuration.flag("AuthorizationCacheEnabled") else None
        if cached == "Accepted" and self.configuration.flag("LocalPreAuthorize"):
            return "Accepted"
        if self.accepted:
            try:
                return await self.authorize(id_tag)
            except (NotConnected, CallTimeout):
                pass  # as good as offline: the offline rules decide
            except CallErrorReceived as exc:
                return f"CALLERROR {exc.code}"
        if cached == "Accepted" and self.configuration.flag("LocalAuthorizeOffline"):
            return "Accepted"
        if cached is None and self.configuration.flag("AllowOfflineTxForUnknownId"):
            return "Accepted"
        return cached or "unknown while offline"

    # ---- transactions -----------------------------------------------------------------------------

    async def start_transaction(self, connector_id: int = 1, id_tag: str | None = None, *,
                                authorize: bool = True) -> Transaction:
        """Plug in, authorize (online, or from the cache offline) and start charging.

        Online it returns once StartTransaction is answered (`transaction_id` set); offline at once,
        with the StartTransaction queued. Raises AuthorizationRejected or NotPossible."""
        connector = self.connector(connector_id)
        if not connector.free or not self.can_start:
            raise NotPossible(f"connector {connector_id} is not free ({connector.status})")
        id_tag = id_tag or self.options.id_tag
        connector.starting = True
        try:
            connector.meter.plug_in()
            await self.set_status(connector, PREPARING)
            status = await self._authorize_for_start(id_tag) if authorize else "Accepted"
            if status != "Accepted":
                connector.meter.unplug()
                await self.set_status(connector, self.idle_status(connector))
                raise AuthorizationRejected(id_tag, status)
            # The begin sample and meterStart are read together, before the current flows.
            begin_values = connector.meter.sampled_values(self._stop_measurands(), "Transaction.Begin")
            tx = Transaction(connector_id, id_tag, next(self._local_ids), connector.meter.register_wh, utcnow(),
                             begin_values=begin_values)
            connector.meter.start_charging()
            connector.transaction = tx
            connector.status = CHARGING
            # Under a limit of 0 it is SuspendedEVSE instead, reported after the start like Charging would
            # be. The others keep their status: a cap above 0 leaves everyone a share above 0.
            self.smart_charging.refresh()
        finally:
            connector.starting = False
        self.stats.sessions_started += 1
        message = self.queue.append("StartTransaction", {
            "connectorId": connector_id, "idTag": id_tag, "meterStart": tx.meter_start_wh,
            "timestamp": framing.timestamp(tx.started_at),
        }, tx)
        self._start_metering(connector)
        await self._await_delivery(message)
        if connector.transaction is tx:
            await self.send_status(connector_id)
        return tx

    def record_start_answer(self, tx: Transaction, reply: dict[str, Any]) -> None:
        tx.transaction_id = int(reply["transactionId"])
        status = str(reply.get("idTagInfo", {}).get("status", "Invalid"))
        tx.id_tag_status = status
        self._remember_authorization(tx.id_tag, status)
        if status != "Accepted" and tx.running and self.configuration.flag("StopTransactionOnInvalidId"):
            log.info("%s: %s is %s: stopping transaction %s", self.identity, tx.id_tag, status, tx.transaction_id)
            self._spawn(lambda: self.stop_transaction_if_running(tx.connector_id, "DeAuthorized", tx))

    async def stop_transaction_if_running(self, connector_id: int, reason: str,
                                          tx: Transaction | None = None) -> None:
        """Stop the connector's transaction (only `tx`, when given) if it is still running."""
        connector = self.connector(connector_id)
        if connector.transaction is not None and (tx is None or connector.transaction is tx):
            await self.stop_transaction(connector_id, reason=reason)

    def _stop_measurands(self) -> list[str]:
        return self.configuration.measurands("StopTxnSampledData")

    def meter_values_payload(self, connector: Connector, context: str) -> dict[str, Any]:
        values = connector.meter.sampled_values(self.configuration.measurands("MeterValuesSampledData"), context)
        payload: dict[str, Any] = {"connectorId": connector.connector_id,
                                   "meterValue": [{"timestamp": framing.timestamp(), "sampledValue": values}]}
        return payload

    async def send_meter_values(self, connector_id: int = 1, context: str = "Sample.Periodic") -> None:
        """One MeterValues now. With a transaction it is a transaction message: queued, kept offline."""
        message = self._queue_meter_values(self.connector(connector_id), context)
        if message is None:  # no transaction: a plain message, lost when offline
            if self.accepted:
                await self.call("MeterValues", self.meter_values_payload(self.connector(connector_id), context))
            return
        await self._await_delivery(message)

    def _queue_meter_values(self, connector: Connector, context: str) -> QueuedMessage | None:
        tx = connector.transaction
        if tx is None:
            return None
        payload = self.meter_values_payload(connector, context)
        payload["transactionId"] = tx.local_id  # replaced by the server's id when it is sent
        tx.meter_value_messages += 1
        return self.queue.append("MeterValues", payload, tx)

    async def send_triggered_meter_values(self, connector_id: int) -> None:
        """MeterValues asked for by TriggerMessage: sent now, not queued (a trigger wants the present)."""
        connector = self.connector(connector_id)
        payload = self.meter_values_payload(connector, "Trigger")
        tx = connector.transaction
        if tx is not None and tx.transaction_id is not None:
            payload["transactionId"] = tx.transaction_id
        await self.call("MeterValues", payload)

    def _start_metering(self, connector: Connector) -> None:
        self._stop_metering(connector)
        interval = self.configuration.seconds("MeterValueSampleInterval")
        if interval > 0 and connector.transaction is not None:
            connector.metering = asyncio.get_running_loop().create_task(
                self._meter_periodically(connector, connector.transaction, interval),
                name=f"{self.identity}-metering-{connector.connector_id}")

    def _stop_metering(self, connector: Connector) -> None:
        if connector.metering is not None:
            connector.metering.cancel()
            connector.metering = None

    async def _meter_periodically(self, connector: Connector, tx: Transaction, interval: float) -> None:
        # Queued without waiting for the answer, so the samples keep their rhythm when the server is slow.
        while True:
            await asyncio.sleep(interval)
            if connector.transaction is not tx:
                return
            self._queue_meter_values(connector, "Sample.Periodic")

    async def stop_transaction(self, connector_id: int = 1, reason: str = "Local", *,
                               id_tag: str | None = None) -> Transaction:
        """Stop charging, queue StopTransaction with Transaction.Begin/End samples, free the connector.

        `id_tag` is who stopped it; for a Local stop it defaults to the card that started it."""
        connector = self.connector(connector_id)
        tx = connector.transaction
        if tx is None:
            raise NotPossible(f"no transaction on connector {connector_id}")
        self._stop_metering(connector)
        connector.meter.stop_charging()
        end_values = connector.meter.sampled_values(self._stop_measurands(), "Transaction.End")
        tx.meter_stop_wh, tx.stopped_at, tx.stop_reason = connector.meter.register_wh, utcnow(), reason
        connector.transaction = None
        self.smart_charging.transaction_ended(connector_id)
        self.smart_charging.refresh()  # the others may take what this one leaves (their status stays)
        payload: dict[str, Any] = {"transactionId": tx.local_id, "meterStop": tx.meter_stop_wh,
                                   "timestamp": framing.timestamp(tx.stopped_at), "reason": reason}
        stopper = id_tag or (tx.id_tag if reason == "Local" else None)
        if stopper is not None:
            payload["idTag"] = stopper
        data = [(tx.started_at, tx.begin_values), (tx.stopped_at, end_values)]
        if any(values for _, values in data):
            payload["transactionData"] = [{"timestamp": framing.timestamp(at), "sampledValue": values}
                                          for at, values in data if values]
        message = self.queue.append("StopTransaction", payload, tx)
        self.completed.append(tx)
        self.stats.sessions_completed += 1
        tx.ended.set()
        connector.status = FINISHING
        await self._await_delivery(message)
        await self.send_status(connector_id)
        # The car leaves; whatever availability change waited for the transaction applies now.
        connector.meter.unplug()
        await availability.apply_scheduled(self, connector)
        await self.set_status(connector, self.idle_status(connector))
        return tx

    # ---- availability -----------------------------------------------------------------------------

    def change_availability(self, connector_id: int, kind: str) -> tuple[str, list[int]]:
        """ChangeAvailability: ("Accepted" | "Scheduled" | "Rejected", connectors whose status changed)."""
        return availability.change(self, connector_id, kind)

    # ---- configuration ----------------------------------------------------------------------------

    def _on_configuration_changed(self, key: str) -> None:
        if key == "MeterValueSampleInterval":
            # Takes effect at once for running transactions, not only at the next one.
            for connector in self.connectors.values():
                if connector.transaction is not None:
                    self._start_metering(connector)
