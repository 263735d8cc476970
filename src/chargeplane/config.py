"""Settings from the environment (CHARGEPLANE_*), built once at start and passed down.

Nothing here is created at import time: `load_settings()` is called by the entry point.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./chargeplane.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHARGEPLANE_", extra="ignore")

    environment: str = Field(default="development", description="development | production")
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8180
    log_level: str = "INFO"

    # OCPP transport
    ocpp_call_timeout: float = Field(default=30.0, gt=0, description="seconds to wait for a charger reply")
    ocpp_max_frame_bytes: int = Field(default=256 * 1024, ge=1024)
    ocpp_heartbeat_interval: int = Field(default=300, ge=10, description="seconds, sent in BootNotification")
    ocpp_pending_retry_interval: int = Field(default=60, ge=1)
    ocpp_rejected_retry_interval: int = Field(default=600, ge=1)
    ocpp_auth_failure_limit: int = Field(default=10, ge=1, description="failed handshakes before 429")
    ocpp_auth_failure_window: float = Field(default=300.0, gt=0, description="seconds")
    ocpp_last_seen_write_interval: float = Field(default=60.0, ge=0)
    # Offline: a charger that answers no WebSocket ping within `ocpp_ping_timeout` seconds of one sent
    # after `ocpp_ping_interval` seconds is disconnected, and so counted offline (monitoring, alarms,
    # load balancing). Any message or pong in between keeps it online.
    ocpp_ping_interval: float = Field(default=30.0, gt=0, description="seconds between pings")
    ocpp_ping_timeout: float = Field(default=30.0, gt=0, description="seconds to wait for the pong")

    # Persistence
    group_commit_max_batch: int = Field(default=512, ge=1)
    message_log_retention_days: int = Field(default=30, ge=1)

    # Charger passwords are hashed with Argon2id; these are OWASP's minimum parameters.
    password_hash_time_cost: int = Field(default=2, ge=1)
    password_hash_memory_kib: int = Field(default=19 * 1024, ge=8)

    # Links in emails and SMS point at the portal's pages under this address.
    public_url: str | None = Field(default=None, description="default http://{host}:{port}")

    # Email: with no SMTP host, messages are held and written to the log (the demo reads links there).
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "noreply@chargeplane.localhost"
    smtp_starttls: bool | None = Field(default=None, description="unset: upgrade when offered; true: required")
    smtp_tls: bool = Field(default=False, description="implicit TLS from the first byte (port 465)")
    smtp_timeout: float = Field(default=30.0, gt=0)
    # SMS: "none" holds messages and logs them; "log" is a provider that only logs (for the demo).
    sms_provider: str = Field(default="none", pattern="^(none|log)$")

    # Outbox delivery: failed attempts are retried after retry_seconds * 2^(attempt - 1), at most an hour.
    delivery_max_attempts: int = Field(default=5, ge=1)
    delivery_retry_seconds: float = Field(default=30.0, ge=0)
    delivery_poll_interval: float = Field(default=30.0, gt=0, description="seconds; queued messages wake it")

    # Webhooks: endpoints must be public https URLs unless this allows http and private addresses (tests, a lab).
    webhooks_allow_insecure: bool = False
    webhook_poll_interval: float = Field(default=5.0, gt=0, description="seconds; new deliveries wake it")

    # Commands queued for offline chargers: also tried (and expired) this often, besides at reconnection.
    command_queue_interval: float = Field(default=60.0, gt=0)

    # Firmware campaigns: besides connections and progress reports, advanced at least this often (seconds).
    firmware_campaign_interval: float = Field(default=30.0, gt=0)

    # Load balancing: besides sessions starting and stopping, every balanced site is planned again at
    # least this often (seconds), so that its schedule's hours take effect.
    load_balancing_interval: float = Field(default=30.0, gt=0)

    # Alarms: how often faulted connectors and chargers away too long are checked (seconds).
    alarm_sweep_interval: float = Field(default=30.0, gt=0)

    # Diagnostics files chargers upload (GetDiagnostics): refused above this size.
    diagnostics_max_bytes: int = Field(default=50 * 1024 * 1024, gt=0)

    # Local authorization lists: chargers that keep one get the cards' changes at least this often (seconds).
    local_list_sync_interval: float = Field(default=300.0, gt=0)

    # Portal: live parts re-render at least this often (events wake them at once).
    portal_live_interval: float = Field(default=5.0, gt=0, description="seconds")
    # The map's tiles; `{s}`, `{z}`, `{x}`, `{y}` as Leaflet wants them. Empty: the plain map (no tiles).
    portal_map_tiles: str = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
    portal_map_attribution: str = "© OpenStreetMap contributors"

    @property
    def base_url(self) -> str:
        """Where people reach this installation, without a trailing slash."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @model_validator(mode="after")
    def _production_needs_real_database(self) -> Settings:
        if self.environment == "production" and self.database_url == DEFAULT_DATABASE_URL:
            raise ValueError("CHARGEPLANE_DATABASE_URL must be set explicitly in production")
        return self


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
