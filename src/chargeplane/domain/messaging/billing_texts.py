"""The texts of the invoice emails (see `catalog.py`): the payer gets the number, the total, the due date
and the link to the invoice's public page, where it can be read, downloaded and paid."""

from __future__ import annotations

from typing import Final

BILLING_PARAMS: Final[dict[str, frozenset[str]]] = {
    "invoice_issued": frozenset({"name", "issuer", "number", "total", "due", "link", "tenant"}),
    "credit_note_issued": frozenset({"name", "issuer", "number", "total", "due", "link", "tenant"}),
}

BILLING_TEXTS: Final[dict[str, dict[str, tuple[str, str, str]]]] = {
    "invoice_issued": {
        "en": (
            "Invoice $number from $issuer",
            "Hello $name,\n\n$issuer has sent you invoice $number of $total, due on $due.\n\n"
            "View, download and pay it here:\n\n$link\n\n$tenant",
            "$issuer: invoice $number, $total, due $due: $link",
        ),
        "et": (
            "Arve $number ($issuer)",
            "Tere, $name!\n\n$issuer saatis teile arve $number summas $total, maksetähtaeg $due.\n\n"
            "Vaadake, laadige alla ja makske siin:\n\n$link\n\n$tenant",
            "$issuer: arve $number, $total, tähtaeg $due: $link",
        ),
        "lt": (
            "Sąskaita $number iš $issuer",
            "Sveiki, $name,\n\n$issuer atsiuntė jums sąskaitą $number, suma $total, apmokėti iki $due.\n\n"
            "Peržiūrėkite, atsisiųskite ir apmokėkite čia:\n\n$link\n\n$tenant",
            "$issuer: sąskaita $number, $total, apmokėti iki $due: $link",
        ),
        "nb": (
            "Faktura $number fra $issuer",
            "Hei $name,\n\n$issuer har sendt deg faktura $number på $total med forfall $due.\n\n"
            "Se, last ned og betal den her:\n\n$link\n\n$tenant",
            "$issuer: faktura $number, $total, forfall $due: $link",
        ),
        "sv": (
            "Faktura $number från $issuer",
            "Hej $name,\n\n$issuer har skickat faktura $number på $total med förfallodatum $due.\n\n"
            "Visa, ladda ner och betala den här:\n\n$link\n\n$tenant",
            "$issuer: faktura $number, $total, förfaller $due: $link",
        ),
    },
    "credit_note_issued": {
        "en": (
            "Credit note $number from $issuer",
            "Hello $name,\n\n$issuer has issued credit note $number of $total ($due).\n\n"
            "View and download it here:\n\n$link\n\n$tenant",
            "$issuer: credit note $number, $total: $link",
        ),
        "et": (
            "Kreeditarve $number ($issuer)",
            "Tere, $name!\n\n$issuer väljastas kreeditarve $number summas $total ($due).\n\n"
            "Vaadake ja laadige see alla siin:\n\n$link\n\n$tenant",
            "$issuer: kreeditarve $number, $total: $link",
        ),
        "lt": (
            "Kreditinė sąskaita $number iš $issuer",
            "Sveiki, $name,\n\n$issuer išrašė kreditinę sąskaitą $number, suma $total ($due).\n\n"
            "Peržiūrėkite ir atsisiųskite ją čia:\n\n$link\n\n$tenant",
            "$issuer: kreditinė sąskaita $number, $total: $link",
        ),
        "nb": (
            "Kreditnota $number fra $issuer",
            "Hei $name,\n\n$issuer har utstedt kreditnota $number på $total ($due).\n\n"
            "Se og last den ned her:\n\n$link\n\n$tenant",
            "$issuer: kreditnota $number, $total: $link",
        ),
        "sv": (
            "Kreditfaktura $number från $issuer",
            "Hej $name,\n\n$issuer har utfärdat kreditfaktura $number på $total ($due).\n\n"
            "Visa och ladda ner den här:\n\n$link\n\n$tenant",
            "$issuer: kreditfaktura $number, $total: $link",
        ),
    },
}
