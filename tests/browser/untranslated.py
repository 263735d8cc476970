"""Which English source texts are still visible on a page that should be in another language.

A text counts when it stands verbatim (whole words, whitespace collapsed) in the page's visible text
and the language's catalog does not translate it to itself: a missing, empty or fuzzy translation
shows the English at run time just as a text that never went through `_()` does. A translator who
keeps a word ("Status" in Norwegian) writes it as its own translation, and it is not reported.

Left out, because the same letters are right in every language: texts with placeholders (`%(name)s`:
their parts are data), texts without letters, and single words that are short (≤ 3 letters: "kW",
"OK"), acronyms ("RFID", "CSV") or names (the product, the languages by their own names).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from chargeplane.portal.i18n import LANGUAGES, LOCALES_DIR

REPO = Path(__file__).resolve().parents[2]
PORTAL = REPO / "src" / "chargeplane" / "portal"
NAMES = frozenset({"chargeplane", "OCPP", "Leaflet", "OpenStreetMap", "Stripe", *LANGUAGES.values()})
SPACE = re.compile(r"\s+")
# Small English words that no sentence in Estonian, Lithuanian, Norwegian or Swedish has: one of them on
# a page in those languages is English that never went through a catalog (a text hard-coded in a
# template, a domain error's message, an f-string), which `english_left` cannot know of.
ENGLISH_WORDS = frozenset({"the", "and", "of", "is", "are", "your", "you", "with", "this", "that", "not", "has",
                           "was", "been", "can", "cannot", "must", "please", "there", "which", "should", "from"})
WORD = re.compile(r"[^\W\d_]+")


def english_left(text: str, language: str, *, locales: Path = LOCALES_DIR, seams: bool = True) -> list[str]:
    """The English texts of `locales/messages.pot` that `text` still shows although `language` is
    meant, in the order they first appear. `seams=False` for a text whose pieces are apart already
    (one per line): then "FirmwareStatusNotification" (an OCPP name) holds no word "Status"."""
    visible = SPACE.sub(" ", text)
    translated = _translations(locales / language / "LC_MESSAGES" / "messages.po")
    found: list[tuple[int, str]] = []
    for msgid in _source_texts(locales / "messages.pot"):
        if msgid in translated.get(msgid, ()):
            continue
        at = first_stand_alone(visible, msgid, seams=seams)
        if at is not None:
            found.append((at, msgid))
    return [msgid for _, msgid in sorted(found)]


def english_lines(text: str) -> list[str]:
    """The lines of `text` (a page's visible text) with an English word of `ENGLISH_WORDS` in them."""
    return [line.strip() for line in text.splitlines()
            if any(word.lower() in ENGLISH_WORDS for word in WORD.findall(line))]


def first_stand_alone(text: str, phrase: str, *, seams: bool = True) -> int | None:
    """Where `phrase` first stands in `text` as whole words. Inline elements side by side come out of
    `innerText` without a space ("Terms of usePrivacy policy"): with `seams`, a lower-case letter
    followed by an upper-case one is taken as such a seam, not as one word."""
    at = text.find(phrase)
    while at != -1:
        before = text[at - 1] if at else " "
        after = text[at + len(phrase)] if at + len(phrase) < len(text) else " "
        starts = not before.isalnum() or (seams and before.islower() and phrase[0].isupper())
        ends = not after.isalnum() or (seams and after.isupper() and phrase[-1].islower())
        if starts and ends:
            return at
        at = text.find(phrase, at + 1)
    return None


def worth_checking(msgid: str) -> bool:
    if "%(" in msgid or msgid in NAMES or not any(c.isalpha() for c in msgid):
        return False
    if " " in msgid:
        return True
    return sum(c.isalpha() for c in msgid) > 3 and not msgid.isupper()


def _source_texts(pot: Path) -> frozenset[str]:
    """The msgids worth checking; without a messages.pot (or with one that holds no text, which no
    portal page would make), the ones `make messages` would write there."""
    msgids = list(_msgids(_read(pot))) if pot.exists() else []
    if not msgids:
        msgids = list(_msgids(extracted_catalog()))
    return frozenset(SPACE.sub(" ", msgid).strip() for msgid in msgids if worth_checking(msgid))


def _msgids(catalog: Catalog) -> Iterable[str]:
    for message in catalog:
        if not message.id:
            continue  # the header
        yield from _forms(message.id)


def _forms(text: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """A message's singular and plural forms (one, for most)."""
    if text is None:
        return ()
    return (text,) if isinstance(text, str) else tuple(text)


def _translations(po: Path) -> dict[str, set[str]]:
    """msgid → what a viewer sees for it, in each of its contexts ("Charging" as a state and as a
    heading); fuzzy entries are not compiled, so they show the English."""
    if not po.exists():
        return {}
    translated: dict[str, set[str]] = {}
    for message in _read(po):
        if not message.id or message.fuzzy:
            continue
        for msgid, string in zip(_forms(message.id), _forms(message.string), strict=False):
            if string:
                translated.setdefault(SPACE.sub(" ", msgid).strip(), set()).add(SPACE.sub(" ", string).strip())
    return translated


def _read(path: Path) -> Catalog:
    return _read_cached(path, path.stat().st_mtime_ns)


@cache
def _read_cached(path: Path, mtime: int) -> Catalog:
    with path.open("rb") as source:
        return read_po(source)


@cache
def extracted_catalog() -> Catalog:
    """What `make messages` extracts into messages.pot (babel.cfg's mapping over the portal), made
    in memory: no file of the portal's locales is written. Patterns written from the repository's
    root are read relative to the portal, where pybabel matches them."""
    with (REPO / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
    prefix = f"{PORTAL.relative_to(REPO).as_posix()}/"
    catalog = Catalog()
    for filename, line, message, comments, context in extract_from_dir(
            PORTAL, [(pattern.removeprefix(prefix), method) for pattern, method in method_map],
            {pattern.removeprefix(prefix): options for pattern, options in options_map.items()},
            keywords=DEFAULT_KEYWORDS):
        catalog.add(message, None, [(filename, line)], auto_comments=comments, context=context)
    return catalog
