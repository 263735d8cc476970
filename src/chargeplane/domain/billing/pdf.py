"""The invoice PDF, drawn with fpdf2 in DejaVu Sans (Estonian, Lithuanian and Nordic letters alike).

The font comes from the system (Debian's fonts-dejavu-core) or CHARGEPLANE_INVOICE_FONT_DIR; none is
shipped with the code.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from chargeplane.domain.billing.document import Document

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF")
FAMILY = "DejaVu"
WIDTHS = (80, 28, 26, 20, 26)  # description, quantity, unit price, VAT rate, amount (mm of 180)


@cache
def font_dir() -> Path:
    for candidate in (os.environ.get("CHARGEPLANE_INVOICE_FONT_DIR"), *FONT_DIRS):
        if candidate and (Path(candidate) / "DejaVuSans.ttf").is_file():
            return Path(candidate)
    raise RuntimeError("invoice PDFs need the DejaVu Sans font: install fonts-dejavu-core "
                       "or set CHARGEPLANE_INVOICE_FONT_DIR")


class _InvoicePdf(FPDF):
    """Prints the issuer's legal lines at the foot of every page."""

    def __init__(self, footer_lines: tuple[str, ...]) -> None:
        super().__init__(format="A4")
        self.footer_lines = footer_lines

    def footer(self) -> None:
        self.set_y(-20)
        self.set_font(FAMILY, "", 8)
        for line in self.footer_lines:
            self.cell(0, 4, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render_pdf(doc: Document) -> bytes:
    pdf = _InvoicePdf(doc.footer)
    pdf.set_auto_page_break(auto=True, margin=25)
    fonts = font_dir()
    pdf.add_font(FAMILY, "", fonts / "DejaVuSans.ttf")
    pdf.add_font(FAMILY, "B", fonts / "DejaVuSans-Bold.ttf")
    pdf.set_title(f"{doc.title} {doc.number}")
    pdf.set_lang(doc.language)
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 18)
    pdf.cell(0, 10, f"{doc.title} {doc.number}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 10)
    _parties(pdf, doc)
    for label, value in doc.facts:
        pdf.cell(40, 6, label)
        pdf.cell(0, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    _table(pdf, doc)
    _sums(pdf, doc)
    if doc.paid:
        pdf.set_font(FAMILY, "B", 12)
        pdf.cell(0, 8, doc.paid, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if doc.link:
        pdf.set_font(FAMILY, "", 10)
        pdf.cell(0, 6, f"{doc.pay_label}: {doc.link}", link=doc.link, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _parties(pdf: FPDF, doc: Document) -> None:
    top = pdf.get_y() + 2
    for x, lines in ((pdf.l_margin, doc.issuer), (pdf.l_margin + 95, doc.payer)):
        pdf.set_xy(x, top)
        pdf.multi_cell(90, 5, "\n".join(lines), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_xy(pdf.l_margin, top + 5 * max(len(doc.issuer), len(doc.payer)) + 4)


def _table(pdf: FPDF, doc: Document) -> None:
    pdf.set_font(FAMILY, "B", 9)
    for width, heading in zip(WIDTHS, doc.headings, strict=True):
        pdf.cell(width, 7, heading, border="B", align="L" if width == WIDTHS[0] else "R")
    pdf.ln()
    pdf.set_font(FAMILY, "", 9)
    for row in doc.rows:
        values = (row.description, row.quantity, row.unit_price, row.vat_rate, row.amount)
        for width, value in zip(WIDTHS, values, strict=True):
            pdf.cell(width, 6, value, align="L" if width == WIDTHS[0] else "R")
        pdf.ln()
    pdf.ln(2)


def _sums(pdf: FPDF, doc: Document) -> None:
    label_width = sum(WIDTHS[:-1])
    for label, value in doc.sums:
        pdf.cell(label_width, 6, label, align="R")
        pdf.cell(WIDTHS[-1], 6, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "B", 11)
    pdf.cell(label_width, 8, doc.total[0], align="R")
    pdf.cell(WIDTHS[-1], 8, doc.total[1], align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 10)
    pdf.ln(4)
