"""The judgements about a session: is it normal, how much energy did it deliver."""

from __future__ import annotations

from datetime import datetime, timedelta

# Stop reasons that mean the session did not end the way the driver meant it to.
ABNORMAL_STOP_REASONS = frozenset({"EmergencyStop", "PowerLoss", "HardReset", "SoftReset", "Reboot"})
# Above this average power a meter reading is not believable for a single connector.
MAX_PLAUSIBLE_POWER_W = 1_000_000


def energy_and_anomalies(
    *, meter_start_wh: int | None, meter_stop_wh: int, started_at: datetime | None, stopped_at: datetime,
    stop_reason: str,
) -> tuple[int | None, list[str]]:
    """Energy delivered (never negative: an insane reading bills nothing) and what is wrong, if anything."""
    problems: list[str] = []
    energy: int | None = None
    if meter_start_wh is not None:
        energy = meter_stop_wh - meter_start_wh
        if energy < 0:
            problems.append(f"meter stop {meter_stop_wh} Wh is below meter start {meter_start_wh} Wh")
            energy = 0
    if meter_stop_wh < 0:
        problems.append("negative meter stop")
    if started_at is not None and stopped_at < started_at:
        problems.append("stopped before it started")
    elif started_at is not None and energy:
        hours = max((stopped_at - started_at) / timedelta(hours=1), 1 / 3600)
        if energy / hours > MAX_PLAUSIBLE_POWER_W:
            problems.append(f"{energy} Wh in {hours:.3f} h is not plausible")
    if stop_reason in ABNORMAL_STOP_REASONS:
        problems.append(f"stopped by {stop_reason}")
    return energy, problems
