from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chargeplane.domain.errors import invalid_value

_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class LimitPeriod(BaseModel):
    """A lower limit at some hours: a peak cap, or less while the grid is expensive."""

    model_config = ConfigDict(extra="forbid")

    days: list[int] = Field(default=[1, 2, 3, 4, 5, 6, 7], min_length=1, max_length=7,
                            description="ISO weekdays, Monday = 1, on which the period starts")
    start: str = Field(description="HH:MM, local time at the site")
    end: str = Field(description="HH:MM; not after start means past midnight")
    limit: Decimal = Field(ge=0, le=100_000, decimal_places=1, description="in the site limit's unit")

    @field_validator("days")
    @classmethod
    def _days(cls, days: list[int]) -> list[int]:
        if any(day < 1 or day > 7 for day in days) or len(set(days)) != len(days):
            raise invalid_value("days are distinct ISO weekdays 1 (Monday) to 7 (Sunday)")
        return sorted(days)

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise invalid_value("a time of day is HH:MM, from 00:00 to 23:59")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> LimitPeriod:
        if self.start == self.end:
            raise invalid_value("a period's start and end must differ")
        return self


class SiteLimitSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: Decimal = Field(gt=0, le=100_000, decimal_places=1,
                           description="the grid connection limit: amperes per phase, or kW")
    unit: Literal["A", "kW"] = "A"
    phases: Literal[1, 3] = 3
    voltage: int = Field(default=230, ge=100, le=480, description="phase-to-neutral volts, to turn kW into A")
    schedule: list[LimitPeriod] = Field(default=[], max_length=48)
    enabled: bool = Field(default=True, description="load balancing on; off clears the chargers' profiles")


class SiteLimitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    site_id: uuid.UUID
    limit: Decimal
    unit: str
    phases: int
    voltage: int
    schedule: list[LimitPeriod]
    enabled: bool
    updated_at: datetime


class ChargerSettingsSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_current_a: Decimal | None = Field(default=None, ge=0, le=1000, decimal_places=1,
                                          description="below this the car cannot charge (IEC 61851: 6 A)")
    max_current_a: Decimal | None = Field(default=None, gt=0, le=1000, decimal_places=1,
                                          description="the most the whole charger may draw per phase")
    phases: Literal[1, 3] | None = None
    priority: int | None = Field(default=None, ge=-100, le=100, description="higher shares first")

    @model_validator(mode="after")
    def _order(self) -> ChargerSettingsSet:
        if self.min_current_a is not None and self.max_current_a is not None \
                and self.min_current_a > self.max_current_a:
            raise invalid_value("min_current_a cannot be above max_current_a")
        return self


class ChargerSettingsRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    charge_point_id: uuid.UUID
    min_current_a: Decimal
    max_current_a: Decimal
    phases: int
    priority: int
    control: str = Field(description="unknown | accepted | rejected | unreachable: whether it follows our profiles")
    control_detail: str | None
    cap_a: Decimal | None = Field(description="the charger-wide limit it last accepted")
    cap_sent_at: datetime | None


class ChargingTargetSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    energy_wh: int | None = Field(default=None, gt=0, le=1_000_000, description="stop drawing after this much")
    soc_percent: int | None = Field(default=None, ge=1, le=100,
                                    description="stop drawing at this state of charge, if the charger reports it")

    @model_validator(mode="after")
    def _something(self) -> ChargingTargetSet:
        if self.energy_wh is None and self.soc_percent is None:
            raise invalid_value("give energy_wh, soc_percent or both")
        return self


class ChargingTargetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    session_id: uuid.UUID
    energy_wh: int | None
    soc_percent: int | None
    last_soc_percent: int | None
    reached_at: datetime | None
    created_at: datetime


class AllocationRead(BaseModel):
    session_id: uuid.UUID
    charge_point_id: uuid.UUID
    connector_id: int
    limit_a: Decimal = Field(description="what the plan gives the session")
    accepted_limit_a: Decimal | None = Field(description="what the charger last accepted for it")
    state: str
    reason: str = Field(description="share | minimum | paused | target | demand")
    measured_a: Decimal | None


class ChargerLoadRead(BaseModel):
    charge_point_id: uuid.UUID
    identity: str
    connected: bool
    control: str
    counted_a: Decimal = Field(description="what the site plan counts for it: its cap, or its reserve when not steered")


class SiteLoadRead(BaseModel):
    site_id: uuid.UUID
    enabled: bool
    limit_now_a: Decimal = Field(description="amperes per phase in force now (the schedule applied)")
    planned_a: Decimal = Field(description="every cap and reserve added up; never above the limit unless reserves are")
    reserved_a: Decimal
    chargers: list[ChargerLoadRead]
    sessions: list[AllocationRead]
