"""The delivery job: sends what the outbox holds, for every tenant, and retries what failed.

It wakes when a unit that queued a message commits (`MessageQueued` on the bus), when the next retry
falls due, and at least every `delivery_poll_interval` seconds (messages queued by another process).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from chargeplane.config import Settings
from chargeplane.db import Database, Scope, UnitOfWork
from chargeplane.domain.clock import Clock
from chargeplane.domain.messaging import delivery
from chargeplane.domain.messaging.delivery import DeliveryFailed, Mailer, Outgoing, SmsProvider
from chargeplane.domain.messaging.outbox import MessageQueued

log = logging.getLogger(__name__)

SCOPE = Scope.installation("outbox delivery: sends every tenant's messages")
BATCH = 50
CONCURRENCY = 10


class DeliveryJob:
    def __init__(self, db: Database, settings: Settings, clock: Clock, *,
                 mailer: Mailer | None, sms: SmsProvider | None) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        # Public so the app (and tests) can swap a transport before messages are sent.
        self.mailer = mailer
        self.sms = sms
        self._wake = asyncio.Event()
        self._limit = asyncio.Semaphore(CONCURRENCY)
        # A claim lasts as long as the slowest send may: after that, a crashed sender's messages return.
        self._lease = timedelta(seconds=settings.smtp_timeout * 4 + 60)

    def wake(self, _event: MessageQueued | None = None) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                wait = await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox delivery failed; trying again shortly")
                wait = self.settings.delivery_poll_interval
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def deliver_due(self) -> float:
        """Send everything due now; return how long to sleep until the next message falls due."""
        while True:
            batch = await self.db.write(SCOPE, self._claim)
            await asyncio.gather(*(self._deliver(message) for message in batch))
            if len(batch) < BATCH:
                break
        due = await self.db.read(SCOPE, delivery.next_due_at)
        poll = self.settings.delivery_poll_interval
        if due is None:
            return poll
        return max(0.0, min(poll, (due - self.clock.now()).total_seconds()))

    def _claim(self, uow: UnitOfWork) -> list[Outgoing]:
        return delivery.claim_due(uow, now=self.clock.now(), lease=self._lease, limit=BATCH)

    async def _deliver(self, message: Outgoing) -> None:
        async with self._limit:
            try:
                sent = await self._send(message)
            except DeliveryFailed as exc:
                await self._failed(message, str(exc), permanent=exc.permanent)
                return
            except Exception as exc:  # a transport's bug must not stop the others; the message retries
                log.exception("sending outbox message %s failed", message.id)
                await self._failed(message, f"{type(exc).__name__}", permanent=False)
                return
        if sent:
            now = self.clock.now()
            await self.db.write(SCOPE, lambda uow: delivery.record_sent(uow, message_id=message.id, now=now))
        else:
            await self.db.write(SCOPE, lambda uow: delivery.record_held(uow, message_id=message.id))

    async def _send(self, message: Outgoing) -> bool:
        """Hand the message to its transport; False when none is configured (the message is held)."""
        if message.channel == "email":
            if self.mailer is None:
                log.info("email held (no SMTP host configured) to %s\nSubject: %s\n\n%s",
                         message.recipient, message.subject, self._loggable(message.body))
                return False
            await self.mailer.send_email(recipient=message.recipient, subject=message.subject or "",
                                         body=message.body, sender_name=message.tenant_name,
                                         attachments=message.attachments)
            return True
        if self.sms is None:
            log.info("SMS held (no SMS provider configured) to %s: %s", message.recipient,
                     self._loggable(message.body))
            return False
        await self.sms.send_sms(recipient=message.recipient, body=message.body)
        return True

    def _loggable(self, body: str) -> str:
        """Held messages are logged whole for development and the demo (their links are how one gets
        in); in production their live links stay out of the log, and tenant admins read the outbox."""
        if self.settings.environment == "production":
            return "[body not logged in production: read it in the outbox]"
        return body

    async def _failed(self, message: Outgoing, error: str, *, permanent: bool) -> None:
        now = self.clock.now()
        s = self.settings
        status = await self.db.write(SCOPE, lambda uow: delivery.record_failure(
            uow, message_id=message.id, error=error, permanent=permanent, now=now,
            max_attempts=s.delivery_max_attempts, retry_seconds=s.delivery_retry_seconds))
        log.warning("%s to %s, attempt %d: %s (%s)", message.channel, message.recipient, message.attempt, error,
                    "given up" if status == "failed" else "will retry")
