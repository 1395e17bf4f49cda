"""Which language a person gets, which way it runs, and how they stop, in it."""

from __future__ import annotations

import pytest

from campaign.messages.language import (
    RIGHT_TO_LEFT,
    SUPPORTED_LANGUAGES,
    choose_language,
    direction,
    stop_sentence,
)
from campaign.messages.sms import sms_info

AVAILABLE = frozenset({"nl", "fr", "en"})
STOP_URL = "https://campaign.example.org/s/abc123"


def test_seven_languages_and_arabic_runs_right_to_left() -> None:
    assert SUPPORTED_LANGUAGES == ("nl", "fr", "de", "en", "ar", "tr", "uk")
    assert RIGHT_TO_LEFT == {"ar"}
    assert direction("ar") == "rtl" and direction("nl") == "ltr"


def test_the_contacts_own_language_comes_first() -> None:
    assert choose_language("fr", AVAILABLE, ["nl"]) == "fr"


def test_then_the_first_available_language_of_the_chain() -> None:
    assert choose_language("ar", AVAILABLE, ["de", "fr", "nl"]) == "fr"


def test_then_the_default() -> None:
    assert choose_language("ar", AVAILABLE, ["de"]) == "en"
    assert choose_language("ar", {"nl", "fr"}, [], default="nl") == "nl"


def test_then_any_available_language_the_same_every_time() -> None:
    assert choose_language("ar", {"fr", "nl"}, ["de"]) == "fr"
    assert choose_language("ar", {"nl", "fr"}, ["de"]) == "fr"


def test_nothing_available_means_no_language() -> None:
    assert choose_language("nl", set(), ["fr"]) is None
    assert choose_language("", frozenset(), []) is None


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_with_a_number_as_sender_people_reply_stop(language: str) -> None:
    sentence = stop_sentence(language, sender_is_alphanumeric=False, stop_url=STOP_URL)
    assert "STOP" in sentence and STOP_URL not in sentence
    assert len(sentence) <= 45


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_with_a_name_as_sender_people_get_a_short_link(language: str) -> None:
    sentence = stop_sentence(language, sender_is_alphanumeric=True, stop_url=STOP_URL)
    assert sentence.endswith(STOP_URL)
    assert len(sentence) <= len(STOP_URL) + 25


def test_stop_sentences_differ_by_language_and_cost_little() -> None:
    sentences = {
        stop_sentence(language, sender_is_alphanumeric=False, stop_url=STOP_URL)
        for language in SUPPORTED_LANGUAGES
    }
    assert len(sentences) == len(SUPPORTED_LANGUAGES)
    for language in ("nl", "fr", "de", "en"):
        text = stop_sentence(language, sender_is_alphanumeric=False, stop_url=STOP_URL)
        assert sms_info(text).encoding == "GSM-7"


def test_an_unknown_language_stops_in_english() -> None:
    english = stop_sentence("en", sender_is_alphanumeric=False, stop_url=STOP_URL)
    assert stop_sentence("pl", sender_is_alphanumeric=False, stop_url=STOP_URL) == english
    assert stop_sentence("pl", sender_is_alphanumeric=True, stop_url=STOP_URL) == (
        stop_sentence("en", sender_is_alphanumeric=True, stop_url=STOP_URL)
    )
