"""The words printed on invoices, in each language the platform speaks. Data only.

These live in the domain (not the portal's gettext catalogs) because the PDF and the email are made
here; the portal translates its own pages.
"""

from __future__ import annotations

from typing import Final

KEYS: Final = ("invoice", "credit_note", "number", "issue_date", "due_date", "period", "bill_to", "from",
               "description", "quantity", "unit_price", "vat", "vat_rate", "amount", "subtotal", "total",
               "corrects", "registration_number", "vat_number", "iban", "pay_online", "session", "kwh",
               "charging_at", "paid")

WORDS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "invoice": "Invoice", "credit_note": "Credit note", "number": "Number", "issue_date": "Issue date",
        "due_date": "Due date", "period": "Period", "bill_to": "Bill to", "from": "From",
        "description": "Description", "quantity": "Quantity", "unit_price": "Unit price", "vat": "VAT",
        "vat_rate": "VAT rate", "amount": "Amount", "subtotal": "Total excl. VAT", "total": "Total due",
        "corrects": "Corrects invoice", "registration_number": "Registration no.", "vat_number": "VAT no.",
        "iban": "IBAN", "pay_online": "Pay online", "session": "session", "kwh": "kWh",
        "charging_at": "Charging at", "paid": "Paid",
    },
    "et": {
        "invoice": "Arve", "credit_note": "Kreeditarve", "number": "Number", "issue_date": "Arve kuupäev",
        "due_date": "Maksetähtaeg", "period": "Periood", "bill_to": "Maksja", "from": "Väljastaja",
        "description": "Kirjeldus", "quantity": "Kogus", "unit_price": "Ühikuhind", "vat": "käibemaks",
        "vat_rate": "Käibemaksumäär", "amount": "Summa", "subtotal": "Summa käibemaksuta", "total": "Tasuda",
        "corrects": "Parandab arvet", "registration_number": "Registrikood", "vat_number": "KMKR nr",
        "iban": "IBAN", "pay_online": "Maksa veebis", "session": "laadimine", "kwh": "kWh",
        "charging_at": "Laadimine", "paid": "Makstud",
    },
    "lt": {
        "invoice": "Sąskaita faktūra", "credit_note": "Kreditinė sąskaita", "number": "Numeris",
        "issue_date": "Išrašymo data", "due_date": "Apmokėti iki", "period": "Laikotarpis", "bill_to": "Pirkėjas",
        "from": "Pardavėjas", "description": "Aprašymas", "quantity": "Kiekis", "unit_price": "Vieneto kaina",
        "vat": "PVM", "vat_rate": "PVM tarifas", "amount": "Suma", "subtotal": "Suma be PVM",
        "total": "Mokėti iš viso", "corrects": "Koreguoja sąskaitą", "registration_number": "Įmonės kodas",
        "vat_number": "PVM mokėtojo kodas", "iban": "IBAN", "pay_online": "Mokėti internetu",
        "session": "įkrovimas", "kwh": "kWh", "charging_at": "Įkrovimas", "paid": "Apmokėta",
    },
    "nb": {
        "invoice": "Faktura", "credit_note": "Kreditnota", "number": "Nummer", "issue_date": "Fakturadato",
        "due_date": "Forfallsdato", "period": "Periode", "bill_to": "Kunde", "from": "Fra",
        "description": "Beskrivelse", "quantity": "Antall", "unit_price": "Enhetspris", "vat": "MVA",
        "vat_rate": "MVA-sats", "amount": "Beløp", "subtotal": "Sum eks. MVA", "total": "Å betale",
        "corrects": "Korrigerer faktura", "registration_number": "Org.nr.", "vat_number": "MVA-nr.",
        "iban": "IBAN", "pay_online": "Betal på nett", "session": "lading", "kwh": "kWh",
        "charging_at": "Lading ved", "paid": "Betalt",
    },
    "sv": {
        "invoice": "Faktura", "credit_note": "Kreditfaktura", "number": "Nummer", "issue_date": "Fakturadatum",
        "due_date": "Förfallodatum", "period": "Period", "bill_to": "Kund", "from": "Från",
        "description": "Beskrivning", "quantity": "Antal", "unit_price": "Á-pris", "vat": "moms",
        "vat_rate": "Momssats", "amount": "Belopp", "subtotal": "Summa exkl. moms", "total": "Att betala",
        "corrects": "Krediterar faktura", "registration_number": "Org.nr", "vat_number": "Momsreg.nr",
        "iban": "IBAN", "pay_online": "Betala online", "session": "laddning", "kwh": "kWh",
        "charging_at": "Laddning vid", "paid": "Betald",
    },
}


def words(language: str) -> dict[str, str]:
    return WORDS.get(language, WORDS["en"])
