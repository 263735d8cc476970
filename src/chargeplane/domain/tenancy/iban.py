"""IBAN validation (ISO 13616): country, length per the SWIFT registry, and the mod-97 check digits."""

from __future__ import annotations

import re

from chargeplane.domain.errors import Invalid

# Length of a full IBAN per country code, from the SWIFT IBAN registry.
LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
    "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
    "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
    "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}
_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]+$")


def normalise_iban(value: str, *, field: str = "payee_iban") -> str:
    """The IBAN without spaces, upper-cased, or Invalid saying what is wrong with it."""
    iban = re.sub(r"[\s-]+", "", value).upper()
    if not _SHAPE.match(iban):
        raise Invalid("an IBAN is a country code, two check digits and letters or digits", field=field)
    expected = LENGTHS.get(iban[:2])
    if expected is None:
        raise Invalid("%(country)s is not a country that uses IBANs", field=field, country=iban[:2])
    if len(iban) != expected:
        raise Invalid("an IBAN of %(country)s has %(expected)s characters, not %(length)s", field=field,
                      country=iban[:2], expected=expected, length=len(iban))
    # Move the first four characters to the end and read letters as numbers (A=10 ... Z=35).
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    if int(digits) % 97 != 1:
        raise Invalid("the IBAN's check digits do not match: a typo?", field=field)
    return iban
