"""Rendering the message texts of `catalog.py` in the recipient's language.

An unknown language falls back to the tenant's default language, then to English. Messages are plain
text, so parameters are substituted as they are (no markup to escape); a missing or unexpected
parameter is a programming error and raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

from chargeplane.domain.messaging.catalog import LANGUAGES, PARAMS, TEXTS

TEMPLATES = frozenset(TEXTS)


@dataclass(frozen=True, slots=True)
class Rendered:
    language: str  # the language actually used, after any fallback
    subject: str
    body: str
    sms: str


def pick_language(language: str | None, fallback: str | None = None) -> str:
    """The first of `language` (or its base, "nb-NO" -> "nb"), `fallback`, English that we have texts in."""
    for candidate in (language, fallback):
        if not candidate:
            continue
        candidate = candidate.strip().lower()
        for code in (candidate, candidate.replace("_", "-").split("-")[0]):
            if code in LANGUAGES:
                return code
    return "en"


def render(template: str, language: str | None, params: dict[str, str], *, fallback: str | None = None) -> Rendered:
    texts = TEXTS.get(template)
    if texts is None:
        raise ValueError(f"unknown message template {template!r}")
    expected = PARAMS[template]
    if set(params) != expected:
        raise ValueError(f"template {template!r} takes {sorted(expected)}, got {sorted(params)}")
    chosen = pick_language(language, fallback)
    # A line break in a name would break the subject header (or forge one): parameters are one line.
    flat = {key: " ".join(value.splitlines()) for key, value in params.items()}
    subject, body, sms = (Template(text).substitute(flat) for text in texts[chosen])
    return Rendered(language=chosen, subject=subject, body=body, sms=sms)
