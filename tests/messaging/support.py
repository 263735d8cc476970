"""Test doubles for delivery: a real SMTP server (aiosmtpd) that keeps what it receives and can be told
to refuse, an SMS provider that records, and helpers to open a tenant for invitations."""

from __future__ import annotations

import asyncio
import email
import re
import socket
import threading
import uuid
from collections import deque
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select

from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.clock import ManualClock
from chargeplane.domain.messaging.models import OutboxMessage
from chargeplane.domain.messaging.schemas import OutboxMessageRead
from chargeplane.domain.tenancy.models import Tenant
from tests.support.server import RunningApp

LINK = re.compile(r"(https?://\S+?/invitations/accept\?token=(\S+))")
ALL_LANGUAGES = ["en", "et", "lt", "nb", "sv"]


class Mailbox:
    """An aiosmtpd handler. `refusals` answer the next DATA commands first (e.g. "451 try later");
    `refuse_always` answers every one; otherwise the message is kept."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refusals: deque[str] = deque()
        self.refuse_always: str | None = None
        self.attempts = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.attempts += 1
            if self.refusals:
                return self.refusals.popleft()
            if self.refuse_always:
                return self.refuse_always
            message = email.message_from_bytes(envelope.content, policy=default_policy)
            assert isinstance(message, EmailMessage)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            self.messages.append(message)
        return "250 OK"

    def to(self, recipient: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if recipient.lower() in str(m["To"]).lower()]

    async def wait_for(self, recipient: str, *, count: int = 1, timeout: float = 10) -> EmailMessage:
        """The `count`-th message to `recipient`, waiting for it to arrive."""
        for _ in range(int(timeout / 0.02)):
            found = self.to(recipient)
            if len(found) >= count:
                return found[count - 1]
            await asyncio.sleep(0.02)
        raise AssertionError(f"no message {count} to {recipient} within {timeout} s; got {self.messages}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


class RecordingSms:
    """An SMS provider for tests: keeps every text, or refuses while `refuse` is set."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.refuse: Exception | None = None

    async def send_sms(self, *, recipient: str, body: str) -> None:
        if self.refuse is not None:
            raise self.refuse
        self.sent.append((recipient, body))

    async def wait_for(self, recipient: str, *, count: int = 1, timeout: float = 10) -> str:
        for _ in range(int(timeout / 0.02)):
            found = [body for to, body in self.sent if to == recipient]
            if len(found) >= count:
                return found[count - 1]
            await asyncio.sleep(0.02)
        raise AssertionError(f"no SMS {count} to {recipient} within {timeout} s; got {self.sent}")


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def link_in(text: str) -> tuple[str, str]:
    """The invitation link in a message, and its token."""
    found = LINK.search(text)
    assert found, f"no invitation link in {text!r}"
    return found.group(1), found.group(2)


async def open_tenant(running: RunningApp, tenant_id: uuid.UUID, *, terms: bool = True,
                      name: str | None = None) -> None:
    """Give the tenant terms and privacy links (invitations wait for them) and every language."""

    def unit(uow: UnitOfWork) -> None:
        tenant = uow.session.scalar(select(Tenant))
        assert tenant is not None
        tenant.languages = list(ALL_LANGUAGES)
        if name:
            tenant.display_name = name
        if terms:
            tenant.terms_url, tenant.privacy_url, tenant.terms_version = (
                "https://operator.example/terms", "https://operator.example/privacy", 1)

    await running.arun(running.app.db.write(Scope.tenant(tenant_id), unit))


async def outbox(running: RunningApp, tenant_id: uuid.UUID) -> list[OutboxMessageRead]:
    def unit(uow: UnitOfWork) -> list[OutboxMessageRead]:
        rows = uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at))
        return [OutboxMessageRead.model_validate(row) for row in rows]

    return await running.arun(running.app.db.read(Scope.tenant(tenant_id), unit))


async def until(condition: Callable[[], bool], timeout: float = 10) -> None:
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition did not come true in time")


async def wait_for_status(running: RunningApp, tenant_id: uuid.UUID, message_id: uuid.UUID, status: str,
                          timeout: float = 10, *, error: bool = False) -> OutboxMessageRead:
    """The outbox row once it has `status` (and, with `error`, a recorded failure)."""
    for _ in range(int(timeout / 0.02)):
        found = {m.id: m for m in await outbox(running, tenant_id)}
        row = found[message_id]
        if row.status == status and (not error or row.last_error):
            return row
        await asyncio.sleep(0.02)
    raise AssertionError(f"message {message_id} is {row.status} ({row.last_error}), not {status}")


def advance(running: RunningApp, clock: ManualClock, delta: timedelta) -> None:
    """Move the app's time and wake its delivery job (as a due retry would, in real time)."""
    clock.advance(delta)
    running.loop.call_soon_threadsafe(running.app.delivery.wake)
