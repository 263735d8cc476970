"""What the people, accounts, settings and records pages share: the words for roles, statuses and
kinds (marked here, translated when shown), domain and validation errors as field -> message (in the
viewer's words, by `portal.problems`), query strings read leniently (an empty filter is no filter),
and paging links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from pydantic import ValidationError

from chargeplane.api.pagination import decode_cursor
from chargeplane.api.problems import ApiError, domain_status
from chargeplane.domain.errors import DomainError
from chargeplane.portal.pages import N_, NC_, Page
from chargeplane.portal.problems import field_problems

WORDS: dict[str, dict[str, str]] = {
    "role": {"tenant_admin": N_("Tenant admin"), "customer_support": N_("Customer support"),
             "account_admin": N_("Account admin"), "account_member": N_("Account member"), "driver": N_("Driver")},
    "user_status": {"pending": N_("Not activated yet"), "active": N_("Active"), "disabled": N_("Disabled")},
    "invitation_kind": {"member": N_("Join an account"), "customer": N_("New customer"),
                        "sub_account": N_("New sub-account")},
    "invitation_status": {"pending": N_("Waiting"), "expired": N_("Expired"),
                          "accepted": NC_("invitation status", "Accepted"), "revoked": N_("Revoked")},
    "account_kind": {"standard": N_("Standard"), "business": N_("Business"), "consumer": N_("Consumer")},
    "relation": {"employee": N_("Employee"), "subsidiary": N_("Subsidiary")},
    "message_status": {"pending": N_("Queued"), "sent": N_("Sent"), "failed": N_("Failed"),
                       "held": N_("Kept (no delivery configured)")},
    "channel": {"email": N_("Email"), "sms": N_("SMS")},
    "card_status": {"accepted": N_("Active"), "blocked": N_("Blocked"), "expired": N_("Expired"),
                    "invalid": N_("Invalid")},
    "session_state": {"active": N_("Charging"), "completed": N_("Completed"), "interrupted": N_("Interrupted")},
    "object_type": {"account": N_("Account"), "user": N_("User"), "membership": N_("Role"),
                    "invitation": N_("Invitation"), "tenant": N_("Settings"), "site": N_("Site"),
                    "charge_point": N_("Charge point"), "id_token": N_("Card"), "customer_group": N_("Customer group"),
                    "access_grant": N_("Sharing"), "tariff": N_("Tariff"), "cdr": N_("Charge detail record"),
                    "api_key": N_("API key")},
    "alarm_cause": {"connector_faulted": N_("Connector faulted"), "charger_offline": N_("Charger offline"),
                    "security_event": N_("Security event"), "boot_rejected": N_("Boot rejected"),
                    "abnormal_session": N_("Session ended abnormally"),
                    "firmware_failed": N_("Firmware update failed"),
                    "connection_takeover": N_("Connection taken over")},
    "alarm_level": {"critical": N_("Critical"), "major": N_("Major"), "minor": N_("Minor"), "info": N_("Info")},
    "alarm_status": {"open": N_("Open"), "acknowledged": N_("Acknowledged"), "resolved": N_("Resolved")},
    "alarm_change": {"raised": N_("Raised"), "repeated": N_("Seen again"), "acknowledged": N_("Acknowledged"),
                     "resolved": N_("Resolved")},
    "audit_action": {
        "account.create": N_("Account created"), "account.update": N_("Account changed"),
        "account.delete": N_("Account closed"), "user.update": N_("User changed"),
        "user.password_change": N_("Password changed"), "user.password_reset": N_("Password reset"),
        "user.totp_enable": N_("Second factor turned on"), "user.totp_disable": N_("Second factor turned off"),
        "user.logout_everywhere": N_("Logged out everywhere"), "membership.create": N_("Role given"),
        "membership.delete": N_("Role taken away"), "invitation.create": N_("Invitation sent"),
        "invitation.resend": N_("Invitation sent again"), "invitation.revoke": N_("Invitation withdrawn"),
        "invitation.accept": N_("Invitation accepted"), "tenant.update": N_("Settings changed"),
        "site.create": N_("Site created"), "site.update": N_("Site changed"), "site.delete": N_("Site deleted"),
        "charge_point.create": N_("Charge point added"), "charge_point.update": N_("Charge point changed"),
        "charge_point.delete": N_("Charge point deleted"), "id_token.create": N_("Card created"),
        "id_token.update": N_("Card changed"), "id_token.delete": N_("Card deleted"),
        "id_token.import": N_("Cards imported"), "customer_group.create": N_("Customer group created"),
        "customer_group.update": N_("Customer group changed"), "customer_group.delete": N_("Customer group deleted"),
        "customer_group.member_add": N_("Added to a customer group"),
        "customer_group.member_remove": N_("Removed from a customer group"),
        "access_grant.create": N_("Shared"), "access_grant.delete": N_("Sharing ended"),
        "tariff.create": N_("Tariff created"), "tariff.update": N_("Tariff changed"),
        "tariff.delete": N_("Tariff deleted"), "cdr.correct": N_("Charge detail record corrected"),
        "api_key.create": N_("API key created"), "api_key.revoke": N_("API key revoked"),
        "command.remote_start_transaction": N_("Charging started remotely"),
        "command.remote_stop_transaction": N_("Charging stopped remotely")},
}


@dataclass(frozen=True, slots=True)
class Labels:
    """`labels` in templates: `{{ labels.of("role", m.role) }}`; `labels.choices("role", roles)` for a select."""

    page: Page

    def of(self, table: str, value: Any) -> str:
        text = WORDS[table].get(str(value) if value is not None else "")
        return self.page._(text) if text else str(value or "")

    def choices(self, table: str, values: Iterable[Any] | None = None) -> list[tuple[str, str]]:
        keys = WORDS[table].keys() if values is None else [str(v) for v in values]
        return [(key, self.of(table, key)) for key in keys]


def form_errors(page: Page, exc: DomainError | ValidationError, fields: Collection[str],
                rename: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each message, in the viewer's words, under the form field it is about; one about anything else
    goes above the form."""
    errors: dict[str, str] = {}
    for key, message in field_problems(page, exc):
        key = (rename or {}).get(key, key)
        errors.setdefault(key if key in fields else "form", message)
    return errors


def status_of(exc: DomainError | ValidationError) -> int:
    """The answer's status when a form is shown again with its errors."""
    return 422 if isinstance(exc, ValidationError) else domain_status(exc)


def blank(value: str | None) -> str | None:
    """A form's empty field is no value."""
    return value.strip() or None if value is not None else None


def choice(value: str, allowed: Iterable[str]) -> str | None:
    """A filter from the query string: one of the allowed values, or none (an empty or stale link)."""
    return value if value in set(allowed) else None


def safe_cursor(cursor: str) -> Any:
    """The (created_at, id) of a `?cursor=` this site made; anything else starts from the first page."""
    try:
        return decode_cursor(cursor or None)
    except ApiError:
        return None


def next_page(request: Request, cursor: str | None) -> str | None:
    """The link to the next page: the same filters, the next cursor."""
    if cursor is None:
        return None
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"] + [("cursor", cursor)]
    return f"{request.url.path}?{urlencode(params)}"


def local_day(text: str, time_zone: str, *, days_after: int = 0) -> dt.datetime | None:
    """The start of a day typed in a date field, in the viewer's time zone (`days_after` 1: its end)."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        return None
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return dt.datetime.combine(day + dt.timedelta(days=days_after), dt.time(), tzinfo=zone)
