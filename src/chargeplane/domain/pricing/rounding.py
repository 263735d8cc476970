"""Money rounding: once, at the end, half-up to the currency's minor unit, with parts that add up to the total."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

# ISO 4217 minor units that are not 2; every other currency has cents.
_MINOR_UNITS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
    "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}


def minor_units(currency: str) -> int:
    """Decimal places of the currency's smallest coin: 2 for EUR, 0 for JPY, 3 for KWD."""
    return _MINOR_UNITS.get(currency, 2)


def _units(amount: Fraction, places: int) -> int:
    """`amount` in minor units, half-up (amounts here are never negative)."""
    scaled = amount * 10**places
    return int((scaled + Fraction(1, 2)) // 1)


def to_decimal(units: int, places: int) -> Decimal:
    return Decimal(units).scaleb(-places)


def round_half_up(amount: Fraction, places: int) -> Decimal:
    return to_decimal(_units(amount, places), places)


def allocate(parts: Sequence[Fraction], places: int) -> tuple[Decimal, list[Decimal]]:
    """Round the sum of `parts` half-up, then round each part so that they add up to that total exactly.

    Largest remainder: every part is first rounded down; the minor units still missing go to the
    parts that lost the most (earlier parts first on ties). A part that was already whole is never bumped.
    """
    total = _units(sum(parts, Fraction(0)), places)
    scaled = [p * 10**places for p in parts]
    floors = [int(s // 1) for s in scaled]
    missing = total - sum(floors)
    order = sorted(range(len(parts)), key=lambda i: (-(scaled[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return to_decimal(total, places), [to_decimal(units, places) for units in floors]
