"""eMI3 / ISO 15118 contract ids (EMAID): `CC-PPP-XXXXXXXXX(-C)`.

Country (2 letters), provider (3 letters or digits), instance (9: eMI3 starts it with the id type
"C"), optional check character; the dashes are optional when written. They are stored in one form,
upper case with dashes, so that `eecplc123456789` and `EE-CPL-C12345678-9` are the same contract.
The check character is kept as written: its algorithm (eMI3's matrix check) is for issuers to apply.
"""

from __future__ import annotations

import re

from chargeplane.domain.errors import Invalid

_EMAID = re.compile(r"^([A-Z]{2})-?([A-Z0-9]{3})-?([A-Z0-9]{9})(?:-?([A-Z0-9]))?$")


def normalise_contract_id(value: str, field: str = "contract_id") -> str:
    match = _EMAID.match(value.strip().upper())
    if match is None:
        raise Invalid("%(field)s must be an eMI3 contract id such as EE-CPL-C12345678-9 (country, provider, "
                      "9-character instance, optional check character)", field=field)
    country, provider, instance, check = match.groups()
    return "-".join(part for part in (country, provider, instance, check) if part)
