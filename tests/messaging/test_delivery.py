"""Delivery through a real SMTP server: sent, retried with backoff, given up; SMS through a provider."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.clock import ManualClock
from chargeplane.domain.messaging.outbox import queue_message
from tests.messaging.support import (
    RecordingSms,
    SmtpServer,
    advance,
    body_of,
    open_tenant,
    until,
    wait_for_status,
)
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


async def queue(running: RunningApp, tenant_id: uuid.UUID, *, recipient: str, channel: str = "email",
                language: str = "en", template: str = "password_changed") -> uuid.UUID:
    now = running.app.clock.now()
    params = {"name": "Mari", "tenant": "Volt"} if template == "password_changed" else {
        "inviter": "Ann", "tenant": "Volt", "link": "https://portal.example/x", "account": "Acme"}

    def unit(uow: UnitOfWork) -> uuid.UUID:
        return queue_message(uow, channel=channel, recipient=recipient, language=language, template=template,
                             params=params, now=now).id

    return await running.arun(running.app.db.write(Scope.tenant(tenant_id), unit))


async def test_queued_email_is_sent_at_once_in_the_tenants_name(running_app: RunningApp, tenant: TenantHandle,
                                                                 smtp: SmtpServer) -> None:
    await open_tenant(running_app, tenant.id, name="Volt Charging")
    started = time.monotonic()
    message_id = await queue(running_app, tenant.id, recipient="mari@example.test", language="sv")
    mail = await smtp.mailbox.wait_for("mari@example.test")
    # The poll interval is 30 s: the commit woke the job.
    assert time.monotonic() - started < 5
    assert mail["Subject"] == "Ditt lösenord hos Volt har ändrats"
    assert mail["From"].addresses[0].display_name == "Volt Charging"
    assert mail["From"].addresses[0].addr_spec == "noreply@chargeplane.localhost"
    assert "Hej Mari" in body_of(mail)
    row = await wait_for_status(running_app, tenant.id, message_id, "sent")
    assert row.attempts == 1 and row.sent_at is not None and row.last_error is None


async def test_a_temporary_refusal_is_retried_after_the_backoff(running_app: RunningApp, tenant: TenantHandle,
                                                                smtp: SmtpServer, clock: ManualClock) -> None:
    smtp.mailbox.refusals.append("451 4.3.0 mailbox busy, try later")
    message_id = await queue(running_app, tenant.id, recipient="retry@example.test")
    await until(lambda: smtp.mailbox.attempts == 1)
    failed_once = await wait_for_status(running_app, tenant.id, message_id, "pending", error=True)
    assert failed_once.status == "pending" and failed_once.attempts == 1
    assert "451" in (failed_once.last_error or "")
    assert failed_once.next_attempt_at == clock.now() + timedelta(seconds=30)
    advance(running_app, clock, timedelta(seconds=10))  # not due yet
    await asyncio.sleep(0.3)
    assert smtp.mailbox.attempts == 1
    advance(running_app, clock, timedelta(seconds=21))
    await smtp.mailbox.wait_for("retry@example.test")
    row = await wait_for_status(running_app, tenant.id, message_id, "sent")
    assert row.attempts == 2


async def test_a_permanent_refusal_fails_at_once(running_app: RunningApp, tenant: TenantHandle,
                                                 smtp: SmtpServer) -> None:
    smtp.mailbox.refuse_always = "550 5.1.1 no such user"
    message_id = await queue(running_app, tenant.id, recipient="nobody@example.test")
    row = await wait_for_status(running_app, tenant.id, message_id, "failed")
    assert row.attempts == 1 and "550" in (row.last_error or "") and row.next_attempt_at is None


async def test_temporary_refusals_give_up_after_the_last_attempt(running_app: RunningApp, tenant: TenantHandle,
                                                                 smtp: SmtpServer, clock: ManualClock) -> None:
    smtp.mailbox.refuse_always = "421 4.7.0 go away for now"
    message_id = await queue(running_app, tenant.id, recipient="flaky@example.test")
    for attempt in range(1, 3):  # backoff 30 s, then 60 s
        await until(lambda attempt=attempt: smtp.mailbox.attempts == attempt)
        await wait_for_status(running_app, tenant.id, message_id, "pending", error=True)
        advance(running_app, clock, timedelta(seconds=30 * 2 ** (attempt - 1)))
    row = await wait_for_status(running_app, tenant.id, message_id, "failed")
    assert row.attempts == 3 and smtp.mailbox.attempts == 3  # delivery_max_attempts
    assert "421" in (row.last_error or "")


async def test_sms_goes_through_the_provider(running_app: RunningApp, tenant: TenantHandle) -> None:
    provider = RecordingSms()
    running_app.app.delivery.sms = provider
    message_id = await queue(running_app, tenant.id, recipient="+3725551234", channel="sms", language="et",
                             template="invitation")
    text = await provider.wait_for("+3725551234")
    assert text == "Ann kutsus teid liituma kontoga Acme (Volt): https://portal.example/x (kehtib 24 h)"
    row = await wait_for_status(running_app, tenant.id, message_id, "sent")
    assert row.subject is None and row.body == text


async def test_sms_without_a_provider_is_held(running_app: RunningApp, tenant: TenantHandle) -> None:
    message_id = await queue(running_app, tenant.id, recipient="+3725551235", channel="sms")
    row = await wait_for_status(running_app, tenant.id, message_id, "held")
    assert row.sent_at is None


