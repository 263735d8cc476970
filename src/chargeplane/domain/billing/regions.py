"""Region rules for invoices: currency, the name of the tax, how numbers and dates are written.

The region is the issuer's (its billing profile); the language is the payer's. Labels in the language
come from `wording.py`; the tax keeps its legal name where the language is not the region's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from chargeplane.domain.errors import Invalid


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    currency: str
    language: str | None  # the region's own language (None: the EU default has none)
    tax_name: str  # the legal name of the tax in the region's language
    thousands: str
    decimal: str
    date_format: str  # strftime pattern


REGIONS: dict[str, Region] = {
    "EU": Region("EU", "EUR", None, "VAT", ",", ".", "%Y-%m-%d"),
    "EE": Region("EE", "EUR", "et", "käibemaks", "\u00a0", ",", "%d.%m.%Y"),
    "LT": Region("LT", "EUR", "lt", "PVM", "\u00a0", ",", "%Y-%m-%d"),
    "NO": Region("NO", "NOK", "nb", "MVA", "\u00a0", ",", "%d.%m.%Y"),
    "SE": Region("SE", "SEK", "sv", "moms", "\u00a0", ",", "%Y-%m-%d"),
}
CENT = Decimal("0.01")


def get_region(code: str) -> Region:
    region = REGIONS.get(code.strip().upper())
    if region is None:
        raise Invalid("region must be one of %(allowed)s", field="region", allowed=", ".join(REGIONS))
    return region


def round_money(amount: Decimal) -> Decimal:
    """The one rounding of an invoice: totals to the cent, half up (EUR, NOK and SEK all have cents)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_number(region: Region, value: Decimal, places: int = 2) -> str:
    text = f"{abs(value):,.{places}f}".replace(",", "\x00").replace(".", region.decimal)
    text = text.replace("\x00", region.thousands)
    return f"-{text}" if value < 0 else text


def format_money(region: Region, value: Decimal, currency: str) -> str:
    return f"{format_number(region, round_money(value))} {currency}"


def format_rate(region: Region, rate: Decimal) -> str:
    text = format(rate.normalize(), "f")
    return text.replace(".", region.decimal) + " %"


def format_date(region: Region, value: date | None) -> str:
    return value.strftime(region.date_format) if value else ""


def tax_label(region: Region, language: str, vat_word: str) -> str:
    """The tax as the reader calls it, with its legal name when that is in another language."""
    if region.language is None or region.language == language:
        return region.tax_name if region.language else vat_word
    return f"{vat_word} ({region.tax_name})"
