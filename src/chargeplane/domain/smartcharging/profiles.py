"""The OCPP 1.6 charging profiles that carry a plan to a charger (SetChargingProfile payloads).

A charger gets one ChargePointMaxProfile (its charger-wide share) and one TxProfile per running
transaction (that session's share). Their ids are ours alone, so that each new one replaces the last
and ClearChargingProfile removes exactly ours, never an operator's own profiles.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

CAP_PROFILE_ID = 810_000
TX_PROFILE_ID = 820_000  # + the connector id
STACK_LEVEL = 0


def amps(deciamps: int) -> float:
    return float(Decimal(deciamps) / 10)


def charger_cap(deciamps: int, *, now: datetime) -> dict[str, Any]:
    # Absolute from a day back: a charger whose clock runs behind ours must not see it as not yet
    # begun (and so no limit at all).
    start = (now - timedelta(days=1)).astimezone(UTC).replace(microsecond=0)
    return {
        "connectorId": 0,
        "csChargingProfiles": {
            "chargingProfileId": CAP_PROFILE_ID,
            "stackLevel": STACK_LEVEL,
            "chargingProfilePurpose": "ChargePointMaxProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": {
                "startSchedule": start.isoformat().replace("+00:00", "Z"),
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": amps(deciamps)}],
            },
        },
    }


def session_limit(deciamps: int, *, connector_id: int, transaction_id: int) -> dict[str, Any]:
    # Relative to the transaction's start: in force at once and for as long as it runs, whatever the clock.
    return {
        "connectorId": connector_id,
        "csChargingProfiles": {
            "chargingProfileId": TX_PROFILE_ID + connector_id,
            "transactionId": transaction_id,
            "stackLevel": STACK_LEVEL,
            "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Relative",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": amps(deciamps)}],
            },
        },
    }


def clear_cap() -> dict[str, Any]:
    return {"id": CAP_PROFILE_ID}
