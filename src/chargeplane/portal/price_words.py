"""A price preview in the viewer's words: "Start fee €0.50", "€0.36 per kWh", "€0.24 per kWh, 22:00-07:00 and
on Sat or Sun".

The domain's `PricePreview.summary` is English; the app shows the same tariff (its OCPI elements, read
by `pricing.spec.spec_from_json`) in the viewer's language, amounts in their locale. For each kind of
price the first element that matches applies (OCPI), so a restricted element reads as an exception
and nothing after an unrestricted element of the same kind is shown: it would never apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from babel import dates, numbers
from babel.lists import format_list

from chargeplane.domain.pricing.describe import hours_of, paid
from chargeplane.domain.pricing.schemas import PricePreview
from chargeplane.domain.pricing.spec import DAYS, Restrictions, spec_from_json
from chargeplane.portal.pages import N_, Page

KINDS = {
    "FLAT": N_("Start fee %(price)s"),
    "ENERGY": N_("%(price)s per kWh"),
    "TIME": N_("%(price)s per hour of charging"),
    "PARKING_TIME": N_("Parking %(price)s per hour after charging"),
}


@dataclass(frozen=True, slots=True)
class PriceWords:
    lines: list[str] = field(default_factory=list)
    free: bool = False
    includes_vat: bool = False
    discount: str | None = None  # "10 %", in the viewer's locale

    @property
    def short(self) -> str:
        return " · ".join(self.lines)


def price_words(page: Page, preview: PricePreview) -> PriceWords:
    if preview.tariff_id is None or preview.currency is None:
        return PriceWords(lines=[page._("Free charging")], free=True)
    spec = spec_from_json({"currency": preview.currency, "elements": preview.elements,
                           "min_price": preview.min_price, "max_price": preview.max_price})
    discount = numbers.format_percent(preview.discount_percent / 100, locale=page.fmt.locale) \
        if preview.discount_percent else None
    if spec.is_free:
        return PriceWords(lines=[page._("Free charging")], free=True, discount=discount)
    lines: list[str] = []
    settled: set[str] = set()  # kinds whose unrestricted price is shown: later elements never apply
    for element in spec.elements:
        when = _when(page, element.restrictions)
        for component in element.price_components:
            if component.type in settled or (not component.price and not when):
                continue
            phrase = page._(KINDS[component.type], price=page.fmt.money(paid(component), spec.currency))
            lines.append(page._("%(price)s, %(when)s", price=phrase, when=when) if when else phrase)
            if not when:
                settled.add(component.type)
    for label, price in ((N_("Minimum %(price)s per session"), spec.min_price),
                         (N_("Maximum %(price)s per session"), spec.max_price)):
        if price is not None and price.excl_vat > 0:
            amount = price.incl_vat if price.incl_vat is not None else price.excl_vat
            lines.append(page._(label, price=page.fmt.money(amount, spec.currency)))
    vat = any(c.vat for e in spec.elements for c in e.price_components)
    return PriceWords(lines=lines or [page._("Free charging")], free=not lines, includes_vat=vat, discount=discount)


def _when(page: Page, r: Restrictions | None) -> str:
    if r is None:
        return ""
    fmt = page.fmt
    out: list[str] = []
    if (hours := hours_of(r)) is not None:
        out.append(hours)
    if r.day_of_week:
        names = dates.get_day_names("abbreviated", locale=fmt.locale)
        days = [str(names[DAYS.index(day)]) for day in DAYS if day in r.day_of_week]
        out.append(page._("on %(days)s", days=format_list(days, style="or", locale=fmt.locale)))
    if r.start_date is not None:
        out.append(page._("from %(date)s", date=fmt.date(r.start_date)))
    if r.end_date is not None:
        out.append(page._("before %(date)s", date=fmt.date(r.end_date)))
    if r.min_kwh is not None:
        out.append(page._("from %(energy)s kWh", energy=fmt.number(r.min_kwh, _digits(r.min_kwh))))
    if r.max_kwh is not None:
        out.append(page._("up to %(energy)s kWh", energy=fmt.number(r.max_kwh, _digits(r.max_kwh))))
    if r.min_power is not None:
        out.append(page._("at %(power)s kW or more", power=fmt.number(r.min_power, _digits(r.min_power))))
    if r.max_power is not None:
        out.append(page._("below %(power)s kW", power=fmt.number(r.max_power, _digits(r.max_power))))
    if r.min_duration is not None:
        out.append(page._("after %(minutes)s min", minutes=fmt.number(Decimal(r.min_duration) / 60, 0)))
    if r.max_duration is not None:
        out.append(page._("for the first %(minutes)s min", minutes=fmt.number(Decimal(r.max_duration) / 60, 0)))
    # Every condition holds at once: "22:00-06:00 and on Sat or Sun", joined as the viewer's language joins a list.
    return format_list(out, locale=fmt.locale) if out else ""


def _digits(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
