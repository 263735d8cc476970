"""What one simulated charge point is and how it behaves: fixed at construction."""

from __future__ import annotations

from dataclasses import dataclass

from chargeplane.simulator.meter import DEFAULT_MEASURANDS


@dataclass(frozen=True, slots=True)
class ChargerOptions:
    url: str                          # the central system's OCPP URL without the identity: ws://host:port/ocpp
    identity: str
    password: str | None              # HTTP Basic auth password (security profile 1); None sends no header
    id_tag: str = "SIMTAG"            # the card used by the charging loop and by default for local starts
    connectors: int = 1

    vendor: str = "chargeplane"
    model: str = "Simulator"
    serial_number: str | None = None  # defaults to the identity
    firmware_version: str = "sim-1.0"

    max_power_w: float = 11_000.0     # 3 x 16 A at 230 V
    phases: int = 3
    battery_wh: float = 60_000.0
    # OCPP 1.6 Smart Charging. Off, SetChargingProfile answers NotSupported and the other two smart
    # charging actions are a NotSupported CALLERROR, as on a charger without the feature profile.
    smart_charging: bool = True
    charging_rate_units: str = "Current,Power"  # ChargingScheduleAllowedChargingRateUnit

    heartbeat_interval: float = 300.0  # until a BootNotification answer says otherwise
    meter_interval: float = 60.0       # MeterValueSampleInterval; 0 sends no periodic MeterValues
    measurands: str = DEFAULT_MEASURANDS

    auto_charge: bool = False          # run() charges in a loop on connector 1
    charge_seconds: float = 600.0
    idle_seconds: float = 120.0

    call_timeout: float = 30.0         # how long to wait for an answer to one of our CALLs
    open_timeout: float = 10.0         # how long a WebSocket handshake may take
    backoff_initial: float = 1.0       # first reconnect delay; doubles per failure, with jitter
    backoff_cap: float = 60.0
    boot_retry_seconds: float = 30.0   # when a boot gets no answer, or an interval of 0
    reboot_seconds: float = 1.0        # how long a Reset keeps the charger away
    # Many chargers send a BootNotification on every new connection; some only after a power cycle.
    boot_on_reconnect: bool = True
    seed: int | None = None            # for the meter and the jitter; defaults to one derived from identity
