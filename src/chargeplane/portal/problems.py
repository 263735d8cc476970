"""Domain and validation errors in the viewer's language.

A domain error carries its English template and parameters (`domain.errors`); its template is a
msgid of the portal's catalog (`scripts/messages` extracts them), so the viewer reads the translation
filled with the same parameters. Pydantic's errors are told by their type, in the portal's own
sentences filled from the error's context; the refusals of our own validators (`invalid_value`)
carry a template like a domain error's. Where a text has no translation (English, or a catalog not
filled yet) or a translation does not fit its parameters, the viewer reads the API's English words:
a translator's typo never breaks a page."""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from decimal import Decimal

from babel.numbers import format_decimal
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from chargeplane.domain.errors import DomainError
from chargeplane.portal.pages import N_, Page

NOT_VALID = N_("This value is not valid.")
FILL_IN = N_("Fill in this field.")
WHOLE_NUMBER = N_("Enter a whole number.")
NUMBER = N_("Enter a number.")
FROM_LIST = N_("Choose one from the list.")
WEB_ADDRESS = N_("Enter a web address, such as https://example.com.")
DATE_AND_TIME = N_("Enter a date and a time.")
DATE = N_("Enter a date.")
TIME_OF_DAY = N_("Enter a time of day as HH:MM.")

# Pydantic's error types (https://docs.pydantic.dev/latest/errors/validation_errors/) as people read
# them; placeholders are keys of the error's `ctx`. Lengths are plural-aware (see `_sentence`).
SENTENCES: dict[str, str] = {
    "missing": FILL_IN,
    "string_type": N_("Enter text."),
    "string_pattern_mismatch": N_("This text holds a character or a form that is not allowed here."),
    "int_parsing": WHOLE_NUMBER, "int_type": WHOLE_NUMBER, "int_from_float": WHOLE_NUMBER,
    "float_parsing": NUMBER, "float_type": NUMBER, "decimal_parsing": NUMBER, "decimal_type": NUMBER,
    "finite_number": NUMBER,
    "decimal_max_digits": N_("Enter a number of at most %(max_digits)s digits."),
    "decimal_max_places": N_("Enter at most %(decimal_places)s digits after the decimal point."),
    "decimal_whole_digits": N_("Enter at most %(whole_digits)s digits before the decimal point."),
    "greater_than_equal": N_("Enter %(ge)s or more."),
    "greater_than": N_("Enter a number above %(gt)s."),
    "less_than_equal": N_("Enter %(le)s or less."),
    "less_than": N_("Enter a number below %(lt)s."),
    "multiple_of": N_("Enter a multiple of %(multiple_of)s."),
    "enum": FROM_LIST, "literal_error": FROM_LIST, "uuid_parsing": FROM_LIST, "uuid_type": FROM_LIST,
    "bool_parsing": N_("Choose yes or no."), "bool_type": N_("Choose yes or no."),
    "url_parsing": WEB_ADDRESS, "url_type": WEB_ADDRESS, "url_scheme": WEB_ADDRESS,
    "url_syntax_violation": WEB_ADDRESS, "url_too_long": WEB_ADDRESS,
    "datetime_parsing": DATE_AND_TIME, "datetime_type": DATE_AND_TIME, "datetime_from_date_parsing": DATE_AND_TIME,
    "datetime_object_invalid": DATE_AND_TIME, "timezone_naive": DATE_AND_TIME,
    "timezone_aware": N_("Enter a date and a time with its time zone."),
    "datetime_past": N_("Enter a time in the past."), "datetime_future": N_("Enter a time in the future."),
    "date_parsing": DATE, "date_type": DATE, "date_from_datetime_parsing": DATE, "date_from_datetime_inexact": DATE,
    "date_past": N_("Enter a date in the past."), "date_future": N_("Enter a date in the future."),
    "time_parsing": TIME_OF_DAY, "time_type": TIME_OF_DAY,
    "json_invalid": N_("Enter valid JSON."), "json_type": N_("Enter valid JSON."),
    "extra_forbidden": N_("This field is not expected here."),
}


def say(page: Page, problem: DomainError | ErrorDetails) -> str:
    """One error (a domain error, or one of a `ValidationError`'s) in the viewer's words."""
    if isinstance(problem, DomainError):
        return _translated(page, problem.template, problem.details, problem.message)
    context: Mapping[str, object] = problem.get("ctx") or {}
    template = context.get("template")
    if problem["type"] == "value_error" and isinstance(template, str):
        return _translated(page, template, context, problem["msg"])
    return _sentence(page, problem["type"], context, problem["msg"])


def field_problems(page: Page, exc: DomainError | ValidationError) -> list[tuple[str, str]]:
    """(field, message) of each error: a validation error's location dotted (`""` for the whole
    body), a domain error's `field` detail (`""` if it names none)."""
    if isinstance(exc, ValidationError):
        return [(".".join(str(part) for part in error["loc"]), say(page, error)) for error in exc.errors()]
    return [(str(exc.details.get("field") or ""), say(page, exc))]


def _translated(page: Page, template: str, params: Mapping[str, object], english: str) -> str:
    """The template's translation filled; `english` (the API's words) where there is none, or where
    its placeholders do not fit."""
    translated = page.translations.gettext(template)
    if translated == template:
        return english
    try:
        return translated % params
    except (KeyError, ValueError, TypeError):
        return english


def _sentence(page: Page, kind: str, context: Mapping[str, object], english: str) -> str:
    """Pydantic's error as our sentence, translated; pydantic's own English words where untranslated."""
    count = context.get("min_length" if kind.endswith("too_short") else "max_length")
    if kind.endswith("too_short") and count == 1:
        kind = "missing"
    elif isinstance(count, int) and kind in _COUNTED:
        translated = _counted(page.translations, kind, count)
        if translated == _counted(gettext.NullTranslations(), kind, count):
            return english
        try:
            return translated % {"num": count}
        except (KeyError, ValueError, TypeError):
            return english
    numbers = {key: _number(page, value) for key, value in context.items()}
    return _translated(page, SENTENCES.get(kind, NOT_VALID), numbers, english)


def _number(page: Page, value: object) -> object:
    """A limit as the viewer writes numbers (`90.0` is 90; Estonian writes 0,5)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    return format_decimal(value, format="#,##0.##########", locale=page.fmt.locale)


_COUNTED = ("string_too_short", "string_too_long", "too_short", "too_long")


def _counted(catalog: gettext.NullTranslations, kind: str, n: int) -> str:
    """A length limit's sentence for the number `n`, unfilled (literal calls, so that they are extracted)."""
    if kind == "string_too_short":
        return catalog.ngettext("Enter at least %(num)s character.", "Enter at least %(num)s characters.", n)
    if kind == "string_too_long":
        return catalog.ngettext("Enter at most %(num)s character.", "Enter at most %(num)s characters.", n)
    if kind == "too_short":
        return catalog.ngettext("Give at least %(num)s item.", "Give at least %(num)s items.", n)
    return catalog.ngettext("Give at most %(num)s item.", "Give at most %(num)s items.", n)
