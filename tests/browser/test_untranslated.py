"""`english_left` on a small catalog of its own (no browser needed)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from tests.browser.untranslated import english_left, english_lines

SOURCE = ["Log in", "Create an account", "Status", "Email", "Charging", "Charging history", "Stop charging",
          "Hello %(name)s", "kW", "OK", "RFID", "Norsk bokmål", "chargeplane", "—"]
ESTONIAN = {"Log in": "Logi sisse", "Create an account": "", "Status": "Status", "Email": "E-post",
            "Charging": "Laadimine", "Charging history": "Laadimise ajalugu", "Hello %(name)s": "Tere %(name)s"}
FUZZY = {"Stop charging": "Lõpeta laadimine"}


def write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as target:
        write_po(target, catalog)


def make_locales(folder: Path) -> Path:
    pot = Catalog()
    for msgid in SOURCE:
        pot.add(msgid)
    write(folder / "messages.pot", pot)
    po = Catalog(locale="et")
    for msgid, string in ESTONIAN.items():
        po.add(msgid, string)
    for msgid, string in FUZZY.items():
        po.add(msgid, string, flags=["fuzzy"])
    write(folder / "et" / "LC_MESSAGES" / "messages.po", po)
    return folder


def test_a_translated_page_leaves_nothing(tmp_path: Path) -> None:
    locales = make_locales(tmp_path)
    page = "Logi sisse\nE-post  Laadimine · Laadimise ajalugu\nTere Mari"
    assert english_left(page, "et", locales=locales) == []


def test_english_that_the_catalog_translates_is_found_in_the_order_it_appears(tmp_path: Path) -> None:
    locales = make_locales(tmp_path)
    page = "Laadimise ajalugu\nEmail: mari@example.org\n\nLog in"
    assert english_left(page, "et", locales=locales) == ["Email", "Log in"]


def test_a_missing_or_fuzzy_translation_counts_but_one_kept_on_purpose_does_not(tmp_path: Path) -> None:
    locales = make_locales(tmp_path)
    # "Status" is its own Estonian translation; the other two show English at run time.
    page = "Status: Laadimine\nCreate an account\nStop charging"
    assert english_left(page, "et", locales=locales) == ["Create an account", "Stop charging"]


def test_texts_match_as_whole_words_across_line_breaks(tmp_path: Path) -> None:
    locales = make_locales(tmp_path)
    assert english_left("XCharging historyless Emails", "et", locales=locales) == []
    assert english_left("Charging\n   history", "et", locales=locales) == ["Charging", "Charging history"]
    # Links side by side come out of innerText without a space between them.
    assert english_left("Laadimise ajalugu\nEmailLog in", "et", locales=locales) == ["Email", "Log in"]


def test_placeholders_short_words_acronyms_and_names_are_not_checked(tmp_path: Path) -> None:
    locales = make_locales(tmp_path)
    page = "Hello %(name)s · 11 kW · OK · RFID · Norsk bokmål · chargeplane · —"
    assert english_left(page, "et", locales=locales) == []


def test_a_language_without_a_catalog_has_all_its_english_left(tmp_path: Path) -> None:
    locales = make_locales(tmp_path)
    assert english_left("Status · Log in", "nb", locales=locales) == ["Status", "Log in"]


def test_without_a_pot_the_portals_own_texts_are_extracted_from_its_code(tmp_path: Path) -> None:
    # The texts come from the templates as `make messages` would extract them (an empty folder of
    # locales: no catalog, so every English text counts) ...
    page = "Skip to content\nCreate an account\nNot a text of the portal"
    assert english_left(page, "sv", locales=tmp_path) == ["Skip to content", "Create an account"]
    # ... and so they do when the pot holds no text at all (an extraction that found nothing).
    write(tmp_path / "messages.pot", Catalog())
    assert english_left(page, "sv", locales=tmp_path) == ["Skip to content", "Create an account"]


def test_lines_with_common_english_words_are_found_whatever_the_catalog_holds() -> None:
    page = "Laadija\nThe charger is offline\nKari Nordmann · 11 kW\nSessions: 3\nLaadimine lõppes"
    assert english_lines(page) == ["The charger is offline"]
    assert english_lines("Laadimine · Ladestasjon · Laddning") == []


def test_without_seams_a_word_glued_into_an_identifier_is_not_a_word(tmp_path: Path) -> None:
    locales = make_locales(tmp_path)
    assert english_left("StatusNotification\nEmail\nLog in", "et", locales=locales, seams=False) == ["Email", "Log in"]
    assert english_left("StatusNotification", "et", locales=locales) == []  # "Status" is kept as it is
    assert english_left("ChargingStation", "et", locales=locales) == ["Charging"]
    assert english_left("ChargingStation", "et", locales=locales, seams=False) == []
