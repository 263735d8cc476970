"""The portal's languages: gettext catalogs (`locales/<lang>/LC_MESSAGES/messages.po`, compiled in
memory at first use, so the repository holds only the sources) and the choice of a viewer's language.

Strings are marked in templates with `{{ _("...") }}` / `{% trans %}` and in Python with `_()` from
`portal.pages`; `make messages` extracts them to `locales/messages.pot` and updates each catalog. An
English text with more than one meaning has a context (msgctxt) per meaning: `pgettext("heading",
"Charging")` in a template, `page._(NC_("person", "Name"))` in Python; a text with a number is a
plural (`ngettext`, `page.ngettext`, `NP_` in a table), never a number glued to a word.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"

# The languages the portal speaks, by their own names (a switcher shows each in itself).
LANGUAGES: dict[str, str] = {
    "en": "English",
    "et": "Eesti",
    "lt": "Lietuvių",
    "nb": "Norsk bokmål",
    "sv": "Svenska",
}
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "chargeplane_lang"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog of one language; English is the source text itself."""
    po = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _accepted(header: str) -> list[str]:
    """Languages of an Accept-Language header, best first (`nb-NO;q=0.8` → `nb`)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary == "no":  # "Norwegian" alone: Bokmål is what most mean and what we have
            primary = "nb"
        if primary:
            ranked.append((-quality, position, primary))
    return [language for _, _, language in sorted(ranked)]


def choose_language(*, offered: list[str], chosen: str | None, user: str | None, accept_language: str | None,
                    tenant_default: str | None) -> str:
    """The viewer's language: what they picked in the switcher, else their profile's, else their
    browser's, else the tenant's default; always one the tenant offers and the portal speaks."""
    speakable = [language for language in offered if language in LANGUAGES] or [DEFAULT_LANGUAGE]
    candidates = [chosen, user, *(_accepted(accept_language or "")), tenant_default]
    for candidate in candidates:
        if candidate in speakable:
            return candidate
    return speakable[0]
