"""The charge point's OCPP 1.6 configuration keys: what GetConfiguration shows and ChangeConfiguration sets.

Only keys the simulator really acts on are listed, so that a central system reading them learns the
truth. Intervals accept fractions of a second (the specification says integers) so tests can run fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from chargeplane.simulator.meter import SUPPORTED_MEASURANDS

Kind = Literal["bool", "seconds", "count", "measurands", "text", "secret"]
ChangeStatus = Literal["Accepted", "Rejected", "NotSupported"]

MAX_KEYS_PER_REQUEST = 50
MAX_VALUE_LENGTH = 500
MAX_STACK_LEVEL = 8   # smart charging: what a typical charger takes
MAX_PERIODS = 24
MAX_PROFILES = 16


@dataclass(slots=True)
class Key:
    name: str
    kind: Kind
    value: str
    readonly: bool = False


def _valid(kind: Kind, value: str) -> bool:
    if kind == "bool":
        return value.lower() in ("true", "false")
    if kind in ("seconds", "count"):
        try:
            number = float(value)
        except ValueError:
            return False
        return number >= 0 and (kind == "seconds" or number.is_integer())
    if kind == "measurands":
        items = [m.strip() for m in value.split(",") if m.strip()]
        return all(m in SUPPORTED_MEASURANDS for m in items)
    if kind == "secret":
        # What the central system will check as our Basic auth password: 8..64 printable ASCII.
        return 8 <= len(value) <= 64 and value.isascii() and value.isprintable()
    return len(value) <= MAX_VALUE_LENGTH


class Configuration:
    def __init__(self, *, connectors: int, heartbeat_interval: float, meter_interval: float,
                 authorization_key: str | None, sampled_measurands: str, smart_charging: bool = False,
                 charging_rate_units: str = "Current,Power") -> None:
        profiles = "Core,RemoteTrigger,SmartCharging" if smart_charging else "Core,RemoteTrigger"
        keys = [
            Key("AllowOfflineTxForUnknownId", "bool", "false"),
            Key("AuthorizationCacheEnabled", "bool", "true"),
            Key("AuthorizationKey", "secret", authorization_key or ""),
            Key("AuthorizeRemoteTxRequests", "bool", "false"),
            Key("GetConfigurationMaxKeys", "count", str(MAX_KEYS_PER_REQUEST), readonly=True),
            Key("HeartbeatInterval", "seconds", _number(heartbeat_interval)),
            Key("LocalAuthorizeOffline", "bool", "true"),
            Key("LocalPreAuthorize", "bool", "false"),
            Key("MeterValueSampleInterval", "seconds", _number(meter_interval)),
            Key("MeterValuesSampledData", "measurands", sampled_measurands),
            Key("NumberOfConnectors", "count", str(connectors), readonly=True),
            Key("StopTransactionOnInvalidId", "bool", "true"),
            Key("StopTxnSampledData", "measurands", "Energy.Active.Import.Register"),
            Key("SupportedFeatureProfiles", "text", profiles, readonly=True),
            Key("TransactionMessageAttempts", "count", "5"),
            Key("TransactionMessageRetryInterval", "seconds", "10"),
        ]
        if smart_charging:
            # Read-only, as OCPP 1.6 has them; the charger itself (or a test) may still `set` them.
            keys += [
                Key("ChargeProfileMaxStackLevel", "count", str(MAX_STACK_LEVEL), readonly=True),
                Key("ChargingScheduleAllowedChargingRateUnit", "text", charging_rate_units, readonly=True),
                Key("ChargingScheduleMaxPeriods", "count", str(MAX_PERIODS), readonly=True),
                Key("MaxChargingProfilesInstalled", "count", str(MAX_PROFILES), readonly=True),
            ]
        # OCPP 1.6 keys are CiString50: case-insensitive.
        self._keys = {k.name.lower(): k for k in keys}
        self._listeners: list[Callable[[str], None]] = []

    def on_change(self, listener: Callable[[str], None]) -> None:
        """`listener(key_name)` runs after a ChangeConfiguration was accepted."""
        self._listeners.append(listener)

    def get_configuration(self, requested: list[str] | None) -> dict[str, Any]:
        """The GetConfiguration.conf payload. AuthorizationKey is write-only: its value never leaves."""
        if requested:
            found = [self._keys[k.lower()] for k in requested if k.lower() in self._keys]
            unknown = [k for k in requested if k.lower() not in self._keys]
        else:
            found, unknown = list(self._keys.values()), []
        entries: list[dict[str, Any]] = []
        for key in found[:MAX_KEYS_PER_REQUEST]:
            entry: dict[str, Any] = {"key": key.name, "readonly": key.readonly}
            if key.kind != "secret":
                entry["value"] = key.value
            entries.append(entry)
        payload: dict[str, Any] = {"configurationKey": entries}
        if unknown:
            payload["unknownKey"] = [k[:50] for k in unknown]
        return payload

    def change_configuration(self, name: str, value: str) -> ChangeStatus:
        key = self._keys.get(name.lower())
        if key is None:
            return "NotSupported"
        if key.readonly or not _valid(key.kind, value):
            return "Rejected"
        if key.kind == "seconds" and key.name == "HeartbeatInterval" and float(value) == 0:
            return "Rejected"  # a heartbeat every 0 s is no heartbeat
        key.value = value.strip() if key.kind != "secret" else value
        for listener in self._listeners:
            listener(key.name)
        return "Accepted"

    def set(self, name: str, value: str) -> None:
        """Set a key from inside the charge point (e.g. HeartbeatInterval from a BootNotification)."""
        self._keys[name.lower()].value = value

    # ---- typed readers --------------------------------------------------------------------------

    def flag(self, name: str) -> bool:
        return self._keys[name.lower()].value.lower() == "true"

    def seconds(self, name: str) -> float:
        return float(self._keys[name.lower()].value)

    def count(self, name: str) -> int:
        return int(float(self._keys[name.lower()].value))

    def text(self, name: str) -> str:
        return self._keys[name.lower()].value

    def measurands(self, name: str) -> list[str]:
        return [m.strip() for m in self._keys[name.lower()].value.split(",") if m.strip()]

    @property
    def authorization_key(self) -> str | None:
        return self._keys["authorizationkey"].value or None


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
