"""Pages in the viewer's language: what a text reads as there, and a check that a page is in it."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from chargeplane.portal.i18n import LANGUAGES, translations
from tests.browser.untranslated import english_left


def text_in(language: str) -> Callable[[str], str]:
    """What the portal shows for an English text in `language` (the English itself while the catalog
    lacks it), so that a test finds labels and buttons by name in any language."""
    return translations(language).gettext


def assert_translated(page: Page, language: str, *, check_translation: bool = False) -> None:
    """The page is in `language`: `<html lang>`, and the switcher shows the language by its own name.
    With `check_translation`, also no English text of the catalog is left in what the page shows."""
    expect(page.locator("html")).to_have_attribute("lang", language)
    switcher = page.get_by_role("combobox", name=text_in(language)("Language"))
    expect(switcher).to_have_value(language)
    expect(switcher.locator("option:checked")).to_have_text(LANGUAGES[language])
    if check_translation:
        left = english_left(page.inner_text("body"), language)
        assert not left, f"English left on {page.url} in {LANGUAGES[language]}: {left}"
