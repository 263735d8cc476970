"""csChargingProfiles payloads for the smart charging tests, written the way a central system sends them."""

from __future__ import annotations

from typing import Any


def charging_profile(profile_id: int = 1, *, purpose: str = "TxDefaultProfile", kind: str = "Absolute",
                     stack: int = 0, periods: list[tuple[int, float]] | None = None, unit: str = "A",
                     **extra: Any) -> dict[str, Any]:
    """`periods` are (startPeriod, limit); duration, startSchedule and minChargingRate go into the
    schedule, any other keyword (transactionId, recurrencyKind, validFrom...) into the profile."""
    schedule: dict[str, Any] = {"chargingRateUnit": unit, "chargingSchedulePeriod": [
        {"startPeriod": start, "limit": limit} for start, limit in (periods or [(0, 16)])]}
    for key in ("duration", "startSchedule", "minChargingRate"):
        if key in extra:
            schedule[key] = extra.pop(key)
    return {"chargingProfileId": profile_id, "stackLevel": stack, "chargingProfilePurpose": purpose,
            "chargingProfileKind": kind, "chargingSchedule": schedule, **extra}
