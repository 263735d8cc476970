"""Pages in the viewer's language: what a text reads as there, and a check that a page is in it."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from chargeplane.portal.i18n import LANGUAGES, translations
from tests.browser.untranslated import english_left, english_lines


def text_in(language: str) -> Callable[[str], str]:
    """What the portal shows for an English text in `language` (the English itself while the catalog
    lacks it), so that a test finds labels and buttons by name in any language."""
    return translations(language).gettext


def context_in(language: str) -> Callable[[str, str], str]:
    """`pgettext` in `language`, for an English text with more than one meaning ("person", "Name")."""
    return translations(language).pgettext


def plural_in(language: str) -> Callable[[str, str, int], str]:
    """`ngettext` in `language`, for texts that count ("%(num)d cards imported.")."""
    return translations(language).ngettext


# What a person meets on the page, one piece a line: each visible text node (and every option of a visible
# select), and the names and hints in attributes (aria-label, title, placeholder, alt). Pieces apart,
# a word glued into an identifier ("FirmwareStatusNotification") is not taken for a word of its own.
SHOWN_TEXT = """leaveOut => {
  const parts = [];
  const visible = element => element.tagName === "OPTION"
    ? Boolean(element.closest("select")?.checkVisibility({visibilityProperty: true}))
    : element.checkVisibility({visibilityProperty: true});
  const shown = element => visible(element) && !(leaveOut && element.closest(leaveOut));
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || !node.textContent.trim() || parent.closest("script, style, noscript, template")) continue;
    if (shown(parent)) parts.push(node.textContent.trim());
  }
  for (const element of document.body.querySelectorAll("[aria-label], [title], [placeholder], [alt]")) {
    if (!shown(element)) continue;
    for (const name of ["aria-label", "title", "placeholder", "alt"]) {
      const value = element.getAttribute(name);
      if (value && value.trim()) parts.push(value.trim());
    }
  }
  return parts.join("\\n");
}"""


def shown_text(page: Page, leave_out: str | None = None) -> str:
    """The texts `page` shows (and names in attributes), one a line; none from inside `leave_out` (a
    CSS selector)."""
    text: str = page.evaluate(SHOWN_TEXT, leave_out)
    return text


def assert_translated(page: Page, language: str, *, check_translation: bool = False,
                      leave_out: str | None = None) -> None:
    """The page is in `language`: `<html lang>`, and the switcher shows the language by its own name.
    With `check_translation`, also no English is left in what the page shows: no text of the catalog
    (a translation missing), and no line with common English words (a text that bypasses the catalog);
    `leave_out` names what is known to be English, by a CSS selector."""
    expect(page.locator("html")).to_have_attribute("lang", language)
    switcher = page.get_by_role("combobox", name=text_in(language)("Language"), exact=True)
    expect(switcher).to_have_value(language)
    expect(switcher.locator("option:checked")).to_have_text(LANGUAGES[language])
    if check_translation:
        text = shown_text(page, leave_out)
        left, lines = english_left(text, language, seams=False), english_lines(text)
        assert not left and not lines, (f"English left on {page.url} in {LANGUAGES[language]}: from the catalog "
                                        f"{left}; lines in English {lines}")
