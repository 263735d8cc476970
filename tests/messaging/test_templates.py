"""Every message in every language: rendered whole, translated, and falling back sensibly."""

from __future__ import annotations

import pytest

from chargeplane.domain.messaging.catalog import LANGUAGES, PARAMS, TEXTS
from chargeplane.domain.messaging.templates import pick_language, render


def sample(template: str) -> dict[str, str]:
    return {name: f"<{name.upper()}>" for name in PARAMS[template]}


@pytest.mark.parametrize("template", sorted(TEXTS))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_renders_in_every_language(template: str, language: str) -> None:
    rendered = render(template, language, sample(template))
    assert rendered.language == language
    for text in (rendered.subject, rendered.body, rendered.sms):
        assert "$" not in text  # every placeholder filled
    for name in PARAMS[template] - {"name"}:  # the greeting's name is left out of SMS texts
        assert f"<{name.upper()}>" in rendered.body
    if "link" in PARAMS[template]:
        assert "<LINK>" in rendered.sms  # an SMS is useless without its link
    assert "\n" not in rendered.subject
    assert len(rendered.sms) < 200


@pytest.mark.parametrize("template", sorted(TEXTS))
@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_translations_are_not_english_copies(template: str, language: str) -> None:
    english, translated = TEXTS[template]["en"], TEXTS[template][language]
    for en_text, text in zip(english, translated, strict=True):
        assert en_text != text


def test_catalog_is_complete() -> None:
    assert set(TEXTS) == set(PARAMS) == {"verify_email", "reset_password", "invitation", "sub_account_invitation",
                                         "password_changed", "alarm_raised", "invoice_issued",
                                         "credit_note_issued"}
    for template, texts in TEXTS.items():
        assert set(texts) == set(LANGUAGES), template


def test_unknown_language_falls_back_to_the_tenant_default_then_english() -> None:
    params = sample("password_changed")
    assert render("password_changed", "de", params, fallback="sv").language == "sv"
    assert render("password_changed", "de", params, fallback="fr").language == "en"
    assert render("password_changed", None, params).language == "en"
    assert pick_language("nb-NO") == "nb"
    assert pick_language("SV_se") == "sv"
    assert render("password_changed", "et", params).subject.startswith("Teie")


def test_wrong_parameters_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="takes"):
        render("invitation", "en", {"name": "x"})
    with pytest.raises(ValueError, match="unknown message template"):
        render("nope", "en", {})


def test_a_line_break_in_a_parameter_cannot_forge_a_header() -> None:
    params = {**sample("password_changed"), "tenant": "Evil\r\nBcc: victim@example.test"}
    rendered = render("password_changed", "en", params)
    assert "\n" not in rendered.subject and "\r" not in rendered.subject
