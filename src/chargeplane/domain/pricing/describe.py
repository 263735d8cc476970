"""A tariff in plain words for drivers: "€0.50 start fee, €0.30 per kWh (€0.20 per kWh 22:00-07:00)".

Prices are shown as drivers pay them, VAT included when the tariff gives its rate. For each kind of
price the first matching element applies (OCPI), so restricted prices listed before an unrestricted
one read as exceptions to it.
"""

from __future__ import annotations

from decimal import Decimal

from chargeplane.domain.pricing.spec import DAYS, PriceComponent, Restrictions, TariffSpec

DASH = "\u2013"  # an en dash, for ranges of hours and days
SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF ", "SEK": "SEK ", "NOK": "NOK ", "DKK": "DKK "}
PHRASES = {"FLAT": "{} start fee", "ENERGY": "{} per kWh", "TIME": "{} per hour charging",
           "PARKING_TIME": "parking {} per hour after charging"}
FREE = {"FLAT": "no start fee", "ENERGY": "energy free", "TIME": "charging time free", "PARKING_TIME": "parking free"}
SHORT_DAYS = {day: day[:3].title() for day in DAYS}


def money(amount: Decimal, currency: str) -> str:
    shown = amount.quantize(Decimal("0.01")) if amount == amount.quantize(Decimal("0.01")) else amount.normalize()
    return f"{SYMBOLS.get(currency, currency + ' ')}{shown:f}"


def describe(spec: TariffSpec, *, discount_percent: Decimal = Decimal(0)) -> str:
    if spec.is_free:
        return "Free charging."
    parts = [p for p in (_kind(spec, kind) for kind in PHRASES) if p]
    for label, price in (("minimum", spec.min_price), ("maximum", spec.max_price)):
        if price is not None and price.excl_vat > 0:
            amount = price.incl_vat if price.incl_vat is not None else price.excl_vat
            parts.append(f"{label} {money(amount, spec.currency)} per session")
    text = ", ".join(parts) if parts else "Free charging"
    text = text[0].upper() + text[1:] + "."
    if any(c.vat for e in spec.elements for c in e.price_components):
        text += " Prices include VAT."
    if discount_percent:
        text += f" Your discount: {discount_percent.normalize():f}% off."
    return text


def _kind(spec: TariffSpec, kind: str) -> str:
    base: str | None = None
    exceptions: list[str] = []
    for element in spec.elements:
        component = next((c for c in element.price_components if c.type == kind), None)
        if component is None:
            continue
        when = _when(element.restrictions)
        phrase = PHRASES[kind].format(money(paid(component), spec.currency)) if component.price else FREE[kind]
        if not when:
            base = phrase
            break  # the first unrestricted element always matches: later ones never apply
        exceptions.append(f"{phrase} {when}")
    if base == FREE[kind] and not exceptions:
        return ""  # a zero price with nothing else to say
    if base is None:
        return "; ".join(exceptions)
    return f"{base} ({'; '.join(exceptions)})" if exceptions else base


def paid(component: PriceComponent) -> Decimal:
    """The price as drivers pay it: VAT included when the tariff gives its rate."""
    return component.price * (1 + component.vat / 100) if component.vat else component.price


def _when(r: Restrictions | None) -> str:
    if r is None:
        return ""
    out: list[str] = []
    if (hours := hours_of(r)) is not None:
        out.append(hours)
    if r.day_of_week:
        out.append(_days(r.day_of_week))
    if r.start_date is not None:
        out.append(f"from {r.start_date.isoformat()}")
    if r.end_date is not None:
        out.append(f"before {r.end_date.isoformat()}")
    if r.min_kwh is not None:
        out.append(f"from {r.min_kwh.normalize():f} kWh")
    if r.max_kwh is not None:
        out.append(f"up to {r.max_kwh.normalize():f} kWh")
    if r.min_power is not None:
        out.append(f"at {r.min_power.normalize():f} kW or more")
    if r.max_power is not None:
        out.append(f"below {r.max_power.normalize():f} kW")
    if r.min_duration is not None:
        out.append(f"after {_duration(r.min_duration)}")
    if r.max_duration is not None:
        out.append(f"for the first {_duration(r.max_duration)}")
    return " ".join(out)


def hours_of(r: Restrictions) -> str | None:
    """The hours of the day a restriction names, "22:00\u201306:00" (the same in every language), or None."""
    if r.start_time is None and r.end_time is None:
        return None
    start = r.start_time.strftime("%H:%M") if r.start_time else "00:00"
    end = r.end_time.strftime("%H:%M") if r.end_time else "24:00"
    return f"{start}{DASH}{end}"


def _days(days: frozenset[str]) -> str:
    ordered = [d for d in DAYS if d in days]
    indexes = [DAYS.index(d) for d in ordered]
    if len(ordered) > 2 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        return f"{SHORT_DAYS[ordered[0]]}{DASH}{SHORT_DAYS[ordered[-1]]}"
    return ", ".join(SHORT_DAYS[d] for d in ordered)


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"
