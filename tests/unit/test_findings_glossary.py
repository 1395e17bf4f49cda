"""The glossary's own suggestions are plain language: writing what it suggests never brings a
new finding that holds approval, nor a word the checks would flag."""

from __future__ import annotations

import pytest

from campaign.messages.glossary import GLOSSARY
from campaign.messages.plain import check_plain_language

ENTRIES = [
    (language, term, suggestion)
    for language, entries in GLOSSARY.items()
    for term, suggestion in entries.items()
]


def _sentence(suggestion: str) -> str:
    return suggestion[0].upper() + suggestion[1:] + "."


@pytest.mark.parametrize(("language", "term", "suggestion"), ENTRIES)
def test_a_sentence_made_of_the_suggestion_holds_nothing_back(
    language: str, term: str, suggestion: str
) -> None:
    report = check_plain_language(_sentence(suggestion), language)
    assert report.blocking == [], (term, report.findings)


@pytest.mark.parametrize(("language", "term", "suggestion"), ENTRIES)
def test_the_suggestion_uses_no_word_the_checks_flag(
    language: str, term: str, suggestion: str
) -> None:
    report = check_plain_language(_sentence(suggestion), language)
    flagged = [f for f in report.findings if f.rule in {"jargon", "long_word", "rare_word"}]
    assert flagged == [], (term, flagged)


def test_a_french_elided_article_does_not_make_a_word_long() -> None:
    def long_words(text: str) -> list[object]:
        findings = check_plain_language(text, "fr").findings
        return [f.details["letters"] for f in findings if f.rule == "long_word"]

    assert long_words("Appelez l'organisation de votre ville.") == []  # 12 letters
    assert long_words("Appelez l'administration de votre ville.") == [14]
