"""The emails the app sent to the test's SMTP server, and the links in them, as a browser opens them."""

from __future__ import annotations

import re
from email.message import EmailMessage
from urllib.parse import urlsplit

from tests.messaging.support import SmtpServer, body_of
from tests.support.server import RunningApp

# Where the app says it is reached (settings.public_url): the links in its emails start with this.
PUBLIC_URL = "https://portal.example"
URL = re.compile(r"https?://[^\s<>\"')]+")

VERIFY_EMAIL = "/verify-email"
ACCEPT_INVITATION = "/invitations/accept"
RESET_PASSWORD = "/reset-password"


class Mail:
    def __init__(self, running: RunningApp, smtp: SmtpServer) -> None:
        self.running = running
        self.mailbox = smtp.mailbox

    def count(self, address: str) -> int:
        return len(self.mailbox.to(address))

    def newest(self, address: str, *, after: int = 0, timeout: float = 10) -> EmailMessage:
        """The newest email to `address`, once there are more than `after` of them."""
        self.running.run(self.mailbox.wait_for(address, count=after + 1, timeout=timeout), timeout + 5)
        return self.mailbox.to(address)[-1]

    def link(self, address: str, path: str, *, after: int = 0, timeout: float = 10) -> str:
        """The link to `path` (VERIFY_EMAIL, ACCEPT_INVITATION, RESET_PASSWORD) in the newest email to
        `address`, as a path on this app (`page.goto` adds the test app's address)."""
        return link_in(body_of(self.newest(address, after=after, timeout=timeout)), path)


def link_in(text: str, path: str) -> str:
    for url in URL.findall(text):
        parts = urlsplit(url)
        if parts.path == path:
            assert url.startswith(PUBLIC_URL + "/"), f"{url} does not start with the public address {PUBLIC_URL}"
            return f"{parts.path}?{parts.query}" if parts.query else parts.path
    raise AssertionError(f"no link to {path} in {text!r}")
