"""The ways messages leave: SMTP for email (aiosmtplib), and an SMS provider that only logs.

Both implement the domain's `Mailer` / `SmsProvider` interfaces; `transports_from` picks them from the
settings (None: nothing configured, the delivery job holds the channel's messages).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

import aiosmtplib

from chargeplane.config import Settings
from chargeplane.domain.messaging.attachments import Attachment
from chargeplane.domain.messaging.delivery import DeliveryFailed, Mailer, SmsProvider

log = logging.getLogger(__name__)


class SmtpMailer:
    """One SMTP connection per message: simple, and a broken connection never takes others with it."""

    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host
        self.settings = settings
        self._password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        try:
            self._sender = Address(addr_spec=settings.smtp_from)
        except (ValueError, IndexError, HeaderParseError):
            raise ValueError(f"CHARGEPLANE_SMTP_FROM must be a bare address, not {settings.smtp_from!r}") from None

    async def send_email(self, *, recipient: str, subject: str, body: str, sender_name: str,
                         attachments: Sequence[Attachment] = ()) -> None:
        s = self.settings
        message = EmailMessage()
        message["From"] = formataddr((sender_name, self._sender.addr_spec))
        message["To"] = recipient
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=self._sender.domain or None)
        message.set_content(body)
        for file in attachments:
            maintype, _, subtype = file.content_type.partition("/")
            message.add_attachment(file.content, maintype=maintype, subtype=subtype, filename=file.filename)
        try:
            await aiosmtplib.send(message, hostname=s.smtp_host, port=s.smtp_port, username=s.smtp_username,
                                  password=self._password, start_tls=s.smtp_starttls, use_tls=s.smtp_tls,
                                  timeout=s.smtp_timeout)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refusal.code for refusal in exc.recipients]
            raise DeliveryFailed(self._clean(f"recipient refused: {'; '.join(str(r) for r in exc.recipients)}"),
                                 permanent=all(code >= 500 for code in codes)) from None
        except (aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPDataError) as exc:
            raise DeliveryFailed(self._clean(f"{exc.code} {exc.message}"), permanent=exc.code >= 500) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            # Connection, TLS and authentication trouble: worth another try later.
            raise DeliveryFailed(self._clean(f"{type(exc).__name__}: {exc}")) from None

    def _clean(self, text: str) -> str:
        """The error is shown to tenant admins: never with the SMTP password in it."""
        return text.replace(self._password, "[redacted]") if self._password else text


class LoggingSms:
    """An SMS 'provider' for the demo and development: the text goes to the log, nowhere else."""

    async def send_sms(self, *, recipient: str, body: str) -> None:
        log.info("SMS to %s: %s", recipient, body)


def transports_from(settings: Settings) -> tuple[Mailer | None, SmsProvider | None]:
    mailer = SmtpMailer(settings) if settings.smtp_host else None
    sms = LoggingSms() if settings.sms_provider == "log" else None
    return mailer, sms
