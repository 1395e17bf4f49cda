"""Findings are written in the staff member's language (nl, fr, de, en), chosen from the
request's Accept-Language; their codes and details are the same in every language."""

from __future__ import annotations

from string import Template
from typing import Any

import pytest

from campaign.messages.checks import blocking_messages, check_message
from campaign.messages.wording import (
    FINDING_TEXTS,
    GRADE_TEXTS,
    STAFF_LANGUAGES,
    choose_staff_language,
)

# Dense Dutch prose in an SMS that is only a link, with curly quotes, a stray "ë" and a
# passive: nearly every rule has something to say about it.
TEXT = (
    "In het kader van de toepassing van de maatregelen inzake tijdelijke werkloosheid wegens "
    "overmacht ten gevolge van de coronacrisis wordt door de uitbetalingsinstelling een "
    "aanvullende vergoeding toegekend aan de gerechtigde, onverminderd de bepalingen inzake "
    "cumulatie met het leefloon dat door het OCMW wordt uitbetaald aan Zoë \u201cnu\u201d. "
    "https://example.org/hulp"
)
ONLY_LINK = "Zie https://example.org/hulp"
CURLY = (
    "Zie \u201cnu\u201d https://example.org/hulp voor hulp bij uw factuur voor water en energie."
)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("fr", "fr"),
        ("fr-BE,fr;q=0.9,en;q=0.8", "fr"),
        ("en;q=0.5, nl-BE;q=0.9", "nl"),
        ("NL-be", "nl"),
        ("de-DE, de;q=0.9", "de"),
        ("es, it;q=0.9", "en"),
        ("es, de;q=0.1", "de"),
        ("*", "en"),
        ("nl;q=0, fr;q=0.2", "fr"),
        ("nl;q=abc, fr;q=0.3", "fr"),
        ("nl;q=1.5, de;q=0.4", "de"),
        ("fr;q=0.8, nl;q=0.8", "fr"),
        ("  de ; q = 0.7 , en;q=0.6", "de"),
    ],
)
def test_the_accept_language_header_chooses_the_staff_language(
    header: str | None, language: str
) -> None:
    assert choose_staff_language(header) == language


def test_every_sentence_exists_in_every_staff_language_with_the_same_values() -> None:
    for texts in (*FINDING_TEXTS.values(), *GRADE_TEXTS.values()):
        assert set(texts) == set(STAFF_LANGUAGES)
        values = {language: set(Template(t).get_identifiers()) for language, t in texts.items()}
        assert len({frozenset(v) for v in values.values()}) == 1, values


def _findings(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [*result["plain_language"]["findings"], *result["sms"]["findings"]]


def _without_words(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in f.items() if k != "message"} for f in findings]


def test_the_checks_raise_rules_that_all_have_words() -> None:
    rules = {
        f["rule"]
        for text in (TEXT, CURLY, ONLY_LINK)
        for f in _findings(check_message("sms", "nl", text))
    }
    assert {"readability", "jargon", "only_link", "no_stop", "ucs2", "typography"} <= rules
    assert rules <= set(FINDING_TEXTS)


@pytest.mark.parametrize("staff", ["nl", "fr", "de"])
def test_the_same_findings_in_other_words(staff: str) -> None:
    english = check_message("sms", "nl", TEXT)
    other = check_message("sms", "nl", TEXT, staff_language=staff)
    assert _without_words(_findings(other)) == _without_words(_findings(english))
    for mine, theirs in zip(_findings(other), _findings(english), strict=True):
        assert mine["message"] != theirs["message"], mine
    assert other["plain_language"]["grade"] == GRADE_TEXTS["very_difficult"][staff]
    assert other["sms"]["encoding"] == english["sms"]["encoding"]


def test_the_words_are_the_staff_members_not_the_messages() -> None:
    result = check_message("sms", "nl", TEXT, staff_language="fr")
    jargon = next(f for f in result["plain_language"]["findings"] if f["rule"] == "jargon")
    # French words around the Dutch term and the Dutch suggestion for it.
    assert jargon["message"].startswith("Expliquez « ")
    assert jargon["details"]["suggestion"] in jargon["message"]
    ucs2 = next(f for f in result["sms"]["findings"] if f["rule"] == "ucs2")
    assert ucs2["message"].startswith("Ces caractères") and "ë" in ucs2["message"]


def test_an_unknown_staff_language_and_the_default_are_english() -> None:
    default = check_message("sms", "nl", TEXT)
    assert check_message("sms", "nl", TEXT, staff_language="es") == default
    readability = next(
        f for f in default["plain_language"]["findings"] if f["rule"] == "readability"
    )
    assert readability["message"].startswith("Readability ")


def test_a_kept_result_is_written_again_in_another_language() -> None:
    english = check_message("sms", "nl", TEXT)
    german = check_message("sms", "nl", TEXT, staff_language="de")
    assert blocking_messages(english, staff_language="de") == blocking_messages(german)
    assert blocking_messages(german) != blocking_messages(english)
    assert any(m.startswith("Lesbarkeit ") for m in blocking_messages(german))


def test_decimal_commas_in_dutch_french_and_german() -> None:
    result = check_message("sms", "nl", TEXT, staff_language="nl")
    readability = next(
        f for f in result["plain_language"]["findings"] if f["rule"] == "readability"
    )
    score = readability["details"]["score"]
    assert isinstance(score, float)
    assert f"Leesbaarheid {str(score).replace('.', ',')}:" in readability["message"]
