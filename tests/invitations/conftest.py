"""Invitations run on the messaging tests' app: a real SMTP server and a hand-moved clock."""

from tests.messaging.conftest import app_settings, running_app

__all__ = ["app_settings", "running_app"]
