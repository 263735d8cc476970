"""A tariff as the pricing engine reads it: OCPI 2.2.1's Tariff, its elements, components and restrictions.

`spec_from_json` reads OCPI's JSON field names and explains every mistake with the path of the field
(`elements[1].restrictions.start_time`); `spec_to_json` writes the same shape back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, cast

from chargeplane.domain.errors import Invalid

ComponentType = Literal["FLAT", "ENERGY", "TIME", "PARKING_TIME"]
COMPONENT_TYPES: tuple[ComponentType, ...] = ("FLAT", "ENERGY", "TIME", "PARKING_TIME")
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")

_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Price:
    excl_vat: Decimal
    incl_vat: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PriceComponent:
    """`price` excludes VAT and is per kWh (ENERGY), per hour (TIME, PARKING_TIME) or once (FLAT).

    `step_size` is in Wh for ENERGY, seconds for TIME and PARKING_TIME, and 1 for FLAT.
    `vat` is a percentage; None means no VAT applies (or it is unknown).
    """

    type: ComponentType
    price: Decimal
    vat: Decimal | None = None
    step_size: int = 1


@dataclass(frozen=True, slots=True)
class Restrictions:
    """When an element applies. Lower bounds are inclusive, upper bounds exclusive (as in OCPI).

    Times of day and dates are local to the site; `end_time` before `start_time` wraps past midnight.
    An empty `day_of_week` means every day.
    """

    start_time: time | None = None
    end_time: time | None = None
    start_date: date | None = None
    end_date: date | None = None
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    day_of_week: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class TariffElement:
    price_components: tuple[PriceComponent, ...]
    restrictions: Restrictions | None = None


@dataclass(frozen=True, slots=True)
class TariffSpec:
    currency: str
    elements: tuple[TariffElement, ...]
    min_price: Price | None = None
    max_price: Price | None = None

    @property
    def is_free(self) -> bool:
        """No price anywhere, or only zero prices: every session costs nothing."""
        prices = [c.price for e in self.elements for c in e.price_components]
        if self.min_price is not None:  # a max_price alone never makes anything cost more
            prices.append(self.min_price.excl_vat)
        return all(p == 0 for p in prices)


# -- reading -----------------------------------------------------------------------------------------

_ELEMENT_KEYS = {"price_components", "restrictions"}
_COMPONENT_KEYS = {"type", "price", "vat", "step_size"}
_RESTRICTION_KEYS = {
    "start_time", "end_time", "start_date", "end_date", "min_kwh", "max_kwh", "min_power", "max_power",
    "min_duration", "max_duration", "day_of_week",
}
# OCPI restrictions this platform does not price by; refusing them beats silently ignoring them.
_UNSUPPORTED = {"min_current": "current (A)", "max_current": "current (A)", "reservation": "reservations"}


def spec_from_json(data: Mapping[str, Any]) -> TariffSpec:
    """Read an OCPI 2.2.1 tariff (the pricing part); raises `Invalid` naming the field at fault.

    Top-level keys other than currency, elements, min_price and max_price are ignored, so a whole
    OCPI Tariff object (or a snapshot carrying extra keys) can be read as is.
    """
    if not isinstance(data, Mapping):
        raise Invalid("a tariff must be a JSON object", field="tariff")
    currency = data.get("currency")
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise Invalid("currency must be an ISO 4217 code of three capital letters, such as EUR", field="currency")
    raw_elements = data.get("elements", [])
    if not isinstance(raw_elements, list):
        raise Invalid("elements must be a list of tariff elements", field="elements")
    elements = tuple(_element(e, f"elements[{i}]") for i, e in enumerate(raw_elements))
    min_price = _price(data.get("min_price"), "min_price")
    max_price = _price(data.get("max_price"), "max_price")
    if min_price is not None and max_price is not None:
        if min_price.excl_vat > max_price.excl_vat:
            raise Invalid("min_price.excl_vat must not be above max_price.excl_vat", field="min_price.excl_vat")
        if (
            min_price.incl_vat is not None
            and max_price.incl_vat is not None
            and min_price.incl_vat > max_price.incl_vat
        ):
            raise Invalid("min_price.incl_vat must not be above max_price.incl_vat", field="min_price.incl_vat")
    return TariffSpec(currency=currency, elements=elements, min_price=min_price, max_price=max_price)


def _object(value: object, path: str, allowed: set[str], what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise Invalid("%(what)s must be a JSON object", field=path, what=what)
    for key in value:
        if key in _UNSUPPORTED:
            raise Invalid("restrictions by %(restriction)s are not supported", field=f"{path}.{key}",
                          restriction=_UNSUPPORTED[key])
        if key not in allowed:
            raise Invalid("unknown field %(key)r in %(what)s; expected one of %(allowed)s", field=f"{path}.{key}",
                          key=key, what=what, allowed=sorted(allowed))
    return cast(Mapping[str, Any], value)


def _element(value: object, path: str) -> TariffElement:
    obj = _object(value, path, _ELEMENT_KEYS, "a tariff element")
    raw = obj.get("price_components")
    if not isinstance(raw, list) or not raw:
        raise Invalid("a tariff element needs at least one price component", field=f"{path}.price_components")
    components = tuple(_component(c, f"{path}.price_components[{i}]") for i, c in enumerate(raw))
    raw_restrictions = obj.get("restrictions")
    restrictions = None if raw_restrictions is None else _restrictions(raw_restrictions, f"{path}.restrictions")
    return TariffElement(price_components=components, restrictions=restrictions)


def _component(value: object, path: str) -> PriceComponent:
    obj = _object(value, path, _COMPONENT_KEYS, "a price component")
    kind = obj.get("type")
    if kind not in COMPONENT_TYPES:
        expected = list(COMPONENT_TYPES)
        raise Invalid("unknown price component type %(kind)r; expected one of %(expected)s", field=f"{path}.type",
                      kind=kind, expected=expected)
    price = _decimal(obj.get("price"), f"{path}.price", required=True)
    assert price is not None
    vat = _decimal(obj.get("vat"), f"{path}.vat")
    if vat is not None and vat > _HUNDRED:
        raise Invalid("vat is a percentage between 0 and 100", field=f"{path}.vat")
    step = obj.get("step_size", 1)
    if isinstance(step, bool) or not isinstance(step, int) or step < 1:
        raise Invalid("step_size must be a whole number of at least 1 (Wh or seconds)", field=f"{path}.step_size")
    return PriceComponent(type=cast(ComponentType, kind), price=price, vat=vat, step_size=step)


def _restrictions(value: object, path: str) -> Restrictions:
    obj = _object(value, path, _RESTRICTION_KEYS, "restrictions")
    start_time = _time(obj.get("start_time"), f"{path}.start_time")
    end_time = _time(obj.get("end_time"), f"{path}.end_time")
    if start_time is not None and start_time == end_time:
        raise Invalid("start_time and end_time are equal; leave both out to apply all day", field=f"{path}.end_time")
    start_date = _date(obj.get("start_date"), f"{path}.start_date")
    end_date = _date(obj.get("end_date"), f"{path}.end_date")
    if start_date is not None and end_date is not None and start_date >= end_date:
        raise Invalid("start_date must be before end_date (end_date is exclusive)", field=f"{path}.start_date")
    min_kwh = _decimal(obj.get("min_kwh"), f"{path}.min_kwh")
    max_kwh = _decimal(obj.get("max_kwh"), f"{path}.max_kwh")
    min_power = _decimal(obj.get("min_power"), f"{path}.min_power")
    max_power = _decimal(obj.get("max_power"), f"{path}.max_power")
    min_duration = _seconds(obj.get("min_duration"), f"{path}.min_duration")
    max_duration = _seconds(obj.get("max_duration"), f"{path}.max_duration")
    for name, low, high in (
        ("kwh", min_kwh, max_kwh), ("power", min_power, max_power), ("duration", min_duration, max_duration)
    ):
        if low is not None and high is not None and low >= high:
            raise Invalid("min_%(name)s must be below max_%(name)s (max is exclusive)", field=f"{path}.min_{name}",
                          name=name)
    return Restrictions(
        start_time=start_time, end_time=end_time, start_date=start_date, end_date=end_date,
        min_kwh=min_kwh, max_kwh=max_kwh, min_power=min_power, max_power=max_power,
        min_duration=min_duration, max_duration=max_duration,
        day_of_week=_days(obj.get("day_of_week"), f"{path}.day_of_week"),
    )


def _price(value: object, path: str) -> Price | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise Invalid("%(path)s must be an object with excl_vat and optionally incl_vat", field=path, path=path)
    extra = set(value) - {"excl_vat", "incl_vat"}
    if extra:
        raise Invalid("unknown field %(key)r in %(path)s; expected excl_vat, incl_vat", field=path,
                      key=sorted(extra)[0], path=path)
    excl = _decimal(value.get("excl_vat"), f"{path}.excl_vat", required=True)
    assert excl is not None
    incl = _decimal(value.get("incl_vat"), f"{path}.incl_vat")
    if incl is not None and incl < excl:
        raise Invalid("%(path)s.incl_vat must not be below excl_vat", field=f"{path}.incl_vat", path=path)
    return Price(excl_vat=excl, incl_vat=incl)


def _decimal(value: object, path: str, *, required: bool = False) -> Decimal | None:
    if value is None:
        if required:
            raise Invalid("%(name)s is required", field=path, name=path.rsplit('.', 1)[-1])
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise Invalid("must be a number", field=path)
    try:
        # str() first so 0.1 (a float) becomes Decimal("0.1"), not its binary approximation.
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise Invalid("%(value)r is not a number", field=path, value=value) from None
    if not number.is_finite():
        raise Invalid("must be a finite number", field=path)
    if number < 0:
        raise Invalid("must not be negative", field=path)
    return number


def _seconds(value: object, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid("must be a whole, non-negative number of seconds", field=path)
    return value


def _time(value: object, path: str) -> time | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise Invalid("%(value)r is not a local time of day as HH:MM (00:00 to 23:59)", field=path, value=value)
    return time(int(value[:2]), int(value[3:]))


def _date(value: object, path: str) -> date | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("%(value)r is not a date as YYYY-MM-DD", field=path, value=value) from None


def _days(value: object, path: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        raise Invalid("day_of_week must be a list of day names such as MONDAY", field=path)
    for i, day in enumerate(value):
        if day not in DAYS:
            raise Invalid("unknown day %(day)r; expected one of %(days)s", field=f"{path}[{i}]", day=day,
                          days=list(DAYS))
    return frozenset(value)


# -- writing -----------------------------------------------------------------------------------------


def spec_to_json(spec: TariffSpec) -> dict[str, Any]:
    """The OCPI JSON shape `spec_from_json` reads; numbers as strings so no precision is lost."""
    out: dict[str, Any] = {"currency": spec.currency, "elements": [_element_json(e) for e in spec.elements]}
    for name, price in (("min_price", spec.min_price), ("max_price", spec.max_price)):
        if price is not None:
            out[name] = price_to_json(price)
    return out


def price_to_json(price: Price) -> dict[str, str | None]:
    return {"excl_vat": str(price.excl_vat), "incl_vat": None if price.incl_vat is None else str(price.incl_vat)}


def _element_json(element: TariffElement) -> dict[str, Any]:
    out: dict[str, Any] = {
        "price_components": [
            {
                "type": c.type,
                "price": str(c.price),
                "vat": None if c.vat is None else str(c.vat),
                "step_size": c.step_size,
            }
            for c in element.price_components
        ]
    }
    r = element.restrictions
    if r is not None:
        restrictions: dict[str, Any] = {}
        for name in ("start_time", "end_time"):
            value = getattr(r, name)
            if value is not None:
                restrictions[name] = value.strftime("%H:%M")
        for name in ("start_date", "end_date"):
            value = getattr(r, name)
            if value is not None:
                restrictions[name] = value.isoformat()
        for name in ("min_kwh", "max_kwh", "min_power", "max_power"):
            value = getattr(r, name)
            if value is not None:
                restrictions[name] = str(value)
        for name in ("min_duration", "max_duration"):
            value = getattr(r, name)
            if value is not None:
                restrictions[name] = value
        if r.day_of_week:
            restrictions["day_of_week"] = [d for d in DAYS if d in r.day_of_week]
        out["restrictions"] = restrictions
    return out
