"""Invitations run on the messaging tests' app: a real SMTP server and a hand-moved clock."""

from tests.messaging.conftest import app_settings, clock, running_app, smtp

__all__ = ["app_settings", "clock", "running_app", "smtp"]
