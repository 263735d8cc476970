"""Real PDFs, read back: the number, the totals, the tax lines and labels in the payer's language, the
region's formats and the issuer's legal footer."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from chargeplane.db import Database, UnitOfWork
from chargeplane.domain.billing import drafting, issuing, profiles, queries
from chargeplane.domain.billing.document import Document
from chargeplane.domain.billing.pdf import render_pdf
from chargeplane.domain.billing.regions import REGIONS
from chargeplane.domain.billing.wording import WORDS
from tests.billing.support import MARCH, add_cdr, make_world

APRIL = MARCH + timedelta(days=30)

# region, payer language, what the page must say
CASES = [
    ("EE", "et", ["Arve INV-2026-000001", "Maksetähtaeg", "Summa käibemaksuta", "käibemaks 22 %", "1\u00a0234,57 EUR",
                  "Tasuda", "1\u00a0506,17 EUR", "23.04.2026", "Registrikood 12345678", "KMKR nr EE101234567"]),
    ("LT", "lt", ["Sąskaita faktūra INV-2026-000001", "Apmokėti iki", "PVM 21 %", "1\u00a0234,57 EUR",
                  "2026-04-23", "Įmonės kodas 12345678", "PVM mokėtojo kodas EE101234567"]),
    ("NO", "nb", ["Faktura INV-2026-000001", "Forfallsdato", "MVA 25 %", "1\u00a0234,57 NOK", "Å betale",
                  "23.04.2026", "Org.nr. 12345678", "MVA-nr. EE101234567"]),
    ("SE", "sv", ["Faktura INV-2026-000001", "Förfallodatum", "moms 25 %", "1\u00a0234,57 SEK", "Att betala",
                  "2026-04-23", "Org.nr 12345678", "Momsreg.nr EE101234567"]),
    ("EU", "en", ["Invoice INV-2026-000001", "Due date", "VAT 19 %", "1,234.57 EUR", "Total due", "2026-04-23",
                  "Registration no. 12345678", "VAT no. EE101234567"]),
    ("EE", "en", ["Invoice INV-2026-000001", "VAT (käibemaks) 22 %", "1\u00a0234,57 EUR"]),  # foreign payer
]
RATES = {"EE": "22", "LT": "21", "NO": "25", "SE": "25", "EU": "19"}


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize(("region", "language", "expected"), CASES)
async def test_the_pdf_reads_back_in_the_region_and_language(db: Database, region: str, language: str,
                                                             expected: list[str]) -> None:
    w = await make_world(db, region=region, members={"Payer": language})
    currency = REGIONS[region].currency

    def unit(uow: UnitOfWork) -> tuple[str, Document]:
        profiles.set_profile(uow, account_id=w.coop, changes={"registration_number": "12345678",
                                                              "vat_number": "EE101234567"})
        cdr = add_cdr(uow, account_id=w.coop, card_id=w.member_cards["Payer"], stopped_at=MARCH, excl="1234.5678",
                      vat_percent=RATES[region], currency=currency, energy_wh=4_115_226)
        draft = drafting.draft_invoice(uow, issuer_account_id=w.coop, cdr_ids=[cdr.id],
                                       payer_user_id=w.members["Payer"], now=APRIL)
        issuing.issue_invoice(uow, invoice_id=draft.id, now=APRIL, base_url="https://cp.test")
        return queries.invoice_document(uow, draft.id, base_url="https://cp.test")

    name, doc = await db.write(w.scope, unit)
    pdf = render_pdf(doc)
    assert name == "INV-2026-000001.pdf" and pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    for needle in expected:
        assert needle in text, (needle, text)
    assert "Korteriühistu Männi" in text and "EE471000001020145685" in text  # the footer: name and IBAN
    assert "Payer" in text and "https://cp.test/invoices/" in text
    others = {lang for lang in WORDS if lang != language and WORDS[lang]["due_date"] != WORDS[language]["due_date"]}
    assert not [lang for lang in others if WORDS[lang]["due_date"] in text]


async def test_a_credit_note_pdf_names_the_invoice_it_corrects(db: Database) -> None:
    w = await make_world(db, members={"Mari": "et"})

    def unit(uow: UnitOfWork) -> Document:
        cdr = add_cdr(uow, account_id=w.coop, card_id=w.member_cards["Mari"], stopped_at=MARCH, excl="10")
        draft = drafting.draft_invoice(uow, issuer_account_id=w.coop, cdr_ids=[cdr.id],
                                       payer_user_id=w.members["Mari"], now=APRIL)
        issuing.issue_invoice(uow, invoice_id=draft.id, now=APRIL, base_url="https://cp.test")
        note = issuing.credit_invoice(uow, invoice_id=draft.id, positions=None, reason=None, now=APRIL,
                                      base_url="https://cp.test")
        return queries.invoice_document(uow, note.id, base_url="https://cp.test")[1]

    text = text_of(render_pdf(await db.write(w.scope, unit)))
    assert "Kreeditarve CN-2026-000001" in text and "Parandab arvet INV-2026-000001" in text
    assert "-10,00 EUR" in text and "-12,20 EUR" in text and "käibemaks 22 %" in text
