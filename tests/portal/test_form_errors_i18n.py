"""Messages next to the portal's form fields in the viewer's language: the domain's errors (their
templates looked up in the catalog and filled with the same parameters), pydantic's (by error type),
our validators' refusals and an import's rows; in English, the API's own words. And the catalogs:
every domain error template is extracted and fits what its raise site passes, and a translation that
does not fit its parameters falls back to English instead of breaking the page."""

from __future__ import annotations

import ast
import html
import io
import re
import uuid
from collections import defaultdict
from gettext import GNUTranslations
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from pydantic import ValidationError

import chargeplane
from chargeplane.domain.access.schemas import GroupMemberAdd
from chargeplane.domain.assets.schemas import SiteCreate
from chargeplane.domain.errors import Conflict
from chargeplane.portal.i18n import LOCALES_DIR, translations
from chargeplane.portal.pages import Page
from chargeplane.portal.problems import say
from tests.cards.support import World, card
from tests.cards.test_import import csv_file
from tests.portal.org_support import API, org_world
from tests.portal.support import PortalClient, PortalPerson
from tests.portal.test_accounts_pages import BUSINESS
from tests.portal.test_settings_pages import SETTINGS
from tests.support.tenants import TenantHandle

__all__ = ["org_world"]

SRC = Path(chargeplane.__file__).parent
ERRORS = {"DomainError", "NotFound", "Conflict", "Invalid", "Forbidden", "Unauthenticated", "Gone",
          "TooManyAttempts", "InvalidLink", "InvitationGone", "invalid_value"}
ESTONIAN = translations("et")
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
ROW = re.compile(r"<tr><td>(\d+)</td><td>([a-z_]*)</td><td>([^<]*)</td></tr>")


def estonian(template: str, **params: Any) -> str:
    """What an Estonian reads for a template: its translation in the real catalog, filled."""
    text = ESTONIAN.gettext(template)
    assert text != template, f"no Estonian for {template!r} in locales/et"
    return text % params


def estonian_count(singular: str, plural: str, n: int) -> str:
    text = ESTONIAN.ngettext(singular, plural, n)
    assert text not in (singular, plural), f"no Estonian for {plural!r} in locales/et"
    return text % {"num": n}


def field_error(page: str, field: str) -> str:
    found = re.search(rf'<small id="e-{field}" class="field-error">([^<]*)</small>', page)
    assert found, f"no message next to {field}"
    return html.unescape(found.group(1))


async def speak(portal: PortalClient, language: str) -> None:
    """The language switcher, as a person uses it (remembered in a cookie and in the profile)."""
    switched = await portal.post("/language", {"language": language, "next": "/portal"})
    assert switched.status_code == 303
    await portal.get("/portal")  # a page with this session's CSRF token


# --- real forms, in Estonian and in English ----------------------------------------------------------------


async def test_a_taken_card_uid_and_an_imports_rows_are_told_in_estonian(world: World, tenant: TenantHandle,
                                                                          admin: PortalPerson) -> None:
    await card(tenant.api, uid="CARD-1")
    portal = admin.portal
    await speak(portal, "et")

    clash = await portal.post("/portal/cards/new", {"kind": "physical", "uid": "CARD-1"})
    assert clash.status_code == 409
    assert field_error(clash.text, "uid") == estonian("a card with uid %(uid)r exists", uid="CARD-1")
    assert "a card with uid" not in clash.text

    sheet = csv_file("uid,kind", "CARD-1,physical", "NEW-1,physical", "NEW-1,physical")
    refused = await portal.post("/portal/cards/import", files={"file": ("cards.csv", sheet, "text/csv")})
    assert refused.status_code == 422
    rows = {(row, column, html.unescape(message)) for row, column, message in ROW.findall(refused.text)}
    assert rows == {("2", "uid", estonian("a card with this uid exists")),
                    ("4", "uid", estonian("the same %(column)s is in row %(first)s", column="uid", first=3))}
    assert "a card with this uid exists" not in refused.text and "is in row" not in refused.text


async def test_an_account_and_the_tenant_settings_are_refused_in_estonian(tenant: TenantHandle,
                                                                          admin: PortalPerson) -> None:
    portal = admin.portal
    await speak(portal, "et")
    vat = "a VAT number is a two-letter country prefix and 2 to 13 letters or digits (EE123456789)"
    bad_vat = await portal.post("/portal/accounts/new", BUSINESS | {"vat_number": "123"})
    assert bad_vat.status_code == 422
    assert field_error(bad_vat.text, "vat_number") == estonian(vat)
    assert "two-letter country prefix" not in bad_vat.text

    zone = "%(time_zone)r is not an IANA time zone (such as Europe/Tallinn)"
    bad_zone = await portal.post("/portal/settings", SETTINGS | {"time_zone": "Mars/Olympus"})
    assert bad_zone.status_code == 422
    assert field_error(bad_zone.text, "time_zone") == estonian(zone, time_zone="Mars/Olympus")
    assert "is not an IANA time zone" not in bad_zone.text

    me = await portal.post(f"/portal/users/{admin.user_id}", {"name": "Admin", "mobile": "", "language": "et",
                                                              "time_zone": "Mars/Olympus"})
    assert me.status_code == 422
    assert field_error(me.text, "time_zone") == estonian(zone, time_zone="Mars/Olympus")


async def test_an_error_page_says_the_domains_words_in_estonian(admin: PortalPerson) -> None:
    portal = admin.portal
    await speak(portal, "et")
    missing = await portal.get(f"/portal/charge-points/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert html.escape(estonian("charge point not found")) in missing.text
    assert "charge point not found" not in missing.text


async def test_pydantics_refusals_of_a_site_are_our_sentences_in_estonian(admin: PortalPerson) -> None:
    portal = admin.portal
    await speak(portal, "et")
    cases = [
        ({"name": ""}, "name", estonian("Fill in this field.")),
        ({"name": "x" * 201}, "name",
         estonian_count("Enter at most %(num)s character.", "Enter at most %(num)s characters.", 200)),
        ({"name": "Far", "latitude": "200"}, "latitude", estonian("Enter %(le)s or less.", le=90)),
        ({"name": "Far", "longitude": "east"}, "longitude", estonian("Enter a number.")),
    ]
    for form, field, expected in cases:
        answer = await portal.post("/portal/sites/new", {"time_zone": "UTC"} | form)
        assert answer.status_code == 422, form
        assert field_error(answer.text, field) == expected
        assert "String should" not in answer.text and "Input should" not in answer.text


async def test_sign_up_mistakes_are_told_in_the_browsers_language(running_app: Any, tenant: TenantHandle,
                                                                  admin: PortalPerson) -> None:
    visitor = PortalClient(running_app)
    visitor.http.headers["Accept-Language"] = "et-EE,et;q=0.9"
    try:
        await visitor.get(f"/t/{tenant.slug}/signup")
        short = await visitor.post(f"/t/{tenant.slug}/signup", {"email": "a@example.test", "password": "short",
                                                                "accept_terms": "true"})
        assert short.status_code == 422
        assert field_error(short.text, "password") == estonian(
            "the password must be at least %(minimum)s characters long", minimum=12)
    finally:
        await visitor.aclose()


async def test_in_english_the_portal_says_what_the_api_says(world: World, tenant: TenantHandle,
                                                            admin: PortalPerson) -> None:
    api, portal = tenant.api, admin.portal
    await speak(portal, "en")
    await card(api, uid="CARD-2")
    by_api = await api.post(f"{API}/id-tokens", json={"uid": "CARD-2"})
    clash = await portal.post("/portal/cards/new", {"kind": "physical", "uid": "CARD-2"})
    assert by_api.status_code == clash.status_code == 409
    assert field_error(clash.text, "uid") == by_api.json()["detail"] == "a card with uid 'CARD-2' exists"

    by_api = await api.post(f"{API}/sites", json={"name": "x" * 201})
    too_long = await portal.post("/portal/sites/new", {"name": "x" * 201, "time_zone": "UTC"})
    assert by_api.status_code == too_long.status_code == 422
    assert field_error(too_long.text, "name") == by_api.json()["errors"][0]["msg"]

    by_api = await api.patch(f"{API}/tenant", json={"time_zone": "Mars/Olympus"})
    bad_zone = await portal.post("/portal/settings", SETTINGS | {"time_zone": "Mars/Olympus"})
    assert field_error(bad_zone.text, "time_zone") == by_api.json()["detail"]
    assert by_api.json()["detail"] == "'Mars/Olympus' is not an IANA time zone (such as Europe/Tallinn)"


# --- the catalogs --------------------------------------------------------------------------------------------


def _raise_sites() -> list[tuple[str, int, ast.Call]]:
    """Every call of an error class or `invalid_value` in the sources `scripts/messages` extracts
    them from (the domain and the flows the API shares with the portal)."""
    paths = sorted((SRC / "domain").rglob("*.py")) + sorted((SRC / "api").glob("*_flows.py"))
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and node.args and _name(node.func) in ERRORS:
                found.append((str(path.relative_to(SRC)), node.lineno, node))
    return found


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _marked_templates() -> list[tuple[str, int, str]]:
    """Templates marked `N_(...)` in the domain (they reach an error other than as its first argument)."""
    found = []
    for path in sorted((SRC / "domain").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and _name(node.func) == "N_" and isinstance(node.args[0], ast.Constant):
                found.append((str(path.relative_to(SRC)), node.lineno, node.args[0].value))
    return found


def _msgids() -> set[str]:
    with (LOCALES_DIR / "messages.pot").open("rb") as pot:
        return {message.id for message in read_po(pot) if isinstance(message.id, str)}


def test_every_domain_error_template_is_extracted_and_fits_its_raise_site() -> None:
    sites = _raise_sites()
    assert len(sites) > 250  # the scan sees the domain's raise sites
    msgids = _msgids()
    problems = []
    for where, line, call in sites:
        first = call.args[0]
        if isinstance(first, ast.JoinedStr | ast.BinOp):
            problems.append(f"{where}:{line}: an f-string or a sum; use a template with named parameters")
            continue
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue  # a template passed on (`Invalid(error.template, **error.details)`)
        template = first.value
        names = {keyword.arg for keyword in call.keywords}
        params: dict[str, Any] = defaultdict(lambda: 1) if None in names else dict.fromkeys(names, 1)
        try:
            template % params
        except (KeyError, ValueError, TypeError) as error:
            problems.append(f"{where}:{line}: {template!r} does not fit the parameters {sorted(map(str, names))}: "
                            f"{error!r}")
        if template not in msgids:
            problems.append(f"{where}:{line}: {template!r} is not in messages.pot: run `make messages`")
    for where, line, template in _marked_templates():
        try:
            template % defaultdict(lambda: 1)
        except (ValueError, TypeError) as error:
            problems.append(f"{where}:{line}: {template!r} is not a %-template: {error!r}")
        if template not in msgids:
            problems.append(f"{where}:{line}: {template!r} is not in messages.pot: run `make messages`")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["et", "lt", "nb", "sv"])
def test_translations_keep_their_templates_placeholders(language: str) -> None:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    problems = []
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        allowed = {found for text in ids for found in PLACEHOLDER.findall(text)}
        for text in strings:
            if text and not set(PLACEHOLDER.findall(text)) <= allowed:
                problems.append(f"{ids[0]!r}: {text!r} uses a placeholder the text does not have")
    assert not problems, "\n".join(problems)


def _page(po: str) -> Page:
    """A stand-in for a page: all `say` reads of one is its catalog and its locale."""
    catalog = read_po(io.BytesIO(po.encode()), locale="et")
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return cast(Page, SimpleNamespace(translations=GNUTranslations(compiled), fmt=SimpleNamespace(locale="et")))


def test_a_translation_that_does_not_fit_falls_back_to_the_english_words() -> None:
    page = _page('msgid "a card with uid %(uid)r exists"\nmsgstr "kaart %(uuid)r on olemas"\n\n'
                 'msgid "the same %(column)s is in row %(first)s"\nmsgstr "sama %(column)s on real %(first)"\n\n'
                 'msgid "give either user_id or id_token_id"\nmsgstr "anna kas user_id või id_token_id"\n\n'
                 'msgid "Enter %(le)s or less."\nmsgstr "Sisesta %(ge)s või vähem."\n')
    clash = Conflict("a card with uid %(uid)r exists", field="uid", uid="C1")
    assert say(page, clash) == "a card with uid 'C1' exists" == clash.message
    twice = Conflict("the same %(column)s is in row %(first)s", column="uid", first=3)
    assert say(page, twice) == "the same uid is in row 3"
    with pytest.raises(ValidationError) as refused:
        SiteCreate.model_validate({"name": "Far", "latitude": 200})
    assert say(page, refused.value.errors()[0]) == "Input should be less than or equal to 90"
    # The catalog's good translations are used: a validator's refusal carries its template.
    with pytest.raises(ValidationError) as neither:
        GroupMemberAdd.model_validate({})
    assert say(page, neither.value.errors()[0]) == "anna kas user_id või id_token_id"
    assert say(_page(""), clash) == clash.message  # no translation at all: the API's words


def test_an_error_type_we_have_no_sentence_for_is_said_as_not_valid() -> None:
    unknown: Any = {"type": "no_such_type", "loc": ("x",), "msg": "something odd", "input": None}
    assert say(_page(""), unknown) == "something odd"  # untranslated: pydantic's words
    page = _page('msgid "This value is not valid."\nmsgstr "See väärtus ei sobi."\n')
    assert say(page, unknown) == "See väärtus ei sobi."
