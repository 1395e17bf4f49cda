"""SMS encoding and segments, with the figures Twilio's own calculator gives."""

from __future__ import annotations

import pytest

from campaign.messages.sms import downgrade_typography, sms_info


@pytest.mark.parametrize(
    ("length", "segments"),
    [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_gsm7_segments(length: int, segments: int) -> None:
    info = sms_info("a" * length)
    assert (info.encoding, info.segments, info.characters) == ("GSM-7", segments, length)


@pytest.mark.parametrize(
    ("length", "segments"),
    [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)],
)
def test_ucs2_segments(length: int, segments: int) -> None:
    info = sms_info("ж" * length)
    assert (info.encoding, info.segments) == ("UCS-2", segments)


def test_the_empty_message_has_no_segment() -> None:
    assert sms_info("").segments == 0


def test_an_extension_character_takes_two_septets() -> None:
    assert sms_info("a" * 158 + "€").segments == 1  # 160 septets
    assert sms_info("a" * 159 + "€").segments == 2  # 161 septets
    assert sms_info("[]{}").units == 8


def test_an_extension_character_is_never_split_across_segments() -> None:
    # 152 + 2 septets do not fit the first 153: the escape and its character move on together.
    # Split, it would fit 2 segments (306 septets); whole, the last "a" needs a third.
    text = "a" * 152 + "€" + "a" * 152
    assert sms_info(text).units == 306
    assert sms_info(text).segments == 3
    assert sms_info("a" * 151 + "€" + "a" * 153).segments == 2  # 153 + 153: fits exactly


def test_every_gsm_extension_character_stays_gsm7() -> None:
    assert sms_info("^{}\\[~]|€").encoding == "GSM-7"


def test_gsm_letters_with_accents_stay_gsm7_but_others_do_not() -> None:
    assert sms_info("éèùìòÇÅåÆæßÉÄÖÑÜäöñüà").encoding == "GSM-7"
    for letter in ("ë", "ç", "ê", "ô", "ğ", "ş", "ı", "ó"):
        assert sms_info(f"Dag {letter}").encoding == "UCS-2", letter


def test_an_emoji_counts_two_code_units() -> None:
    info = sms_info("😀")
    assert (info.encoding, info.characters, info.units, info.segments) == ("UCS-2", 1, 2, 1)
    assert sms_info("😀" * 35).segments == 1  # 70 units
    assert sms_info("😀" * 35 + "a").segments == 2


def test_a_surrogate_pair_is_never_split_across_segments() -> None:
    # 66 units + a pair does not fit 67: the pair moves whole to the next segment.
    text = "ж" * 66 + "😀" + "ж" * 66
    assert sms_info(text).units == 134
    assert sms_info(text).segments == 3
    assert sms_info("ж" * 65 + "😀" + "ж" * 67).segments == 2


def test_one_name_turns_a_whole_message_into_ucs2() -> None:
    text = "Dag {}. Nieuw: hulp bij uw energiefactuur. Bel gratis 1700. Stuur STOP."
    assert sms_info(text.format("Zoe")).segments == 1
    assert sms_info(text.format("Zoë")).segments == 2


def test_typography_becomes_gsm7_and_letters_stay() -> None:
    text = "\u201cGratis\u201d \u2013 bel\u00a01700\u2026 l\u2019aide \u00abok\u00bb"
    downgraded = downgrade_typography(text)
    assert downgraded == '"Gratis" - bel 1700... l\'aide "ok"'
    assert sms_info(text).encoding == "UCS-2" and sms_info(downgraded).encoding == "GSM-7"
    letters = "Zoë Çağla ışık Олена محمد"
    assert downgrade_typography(letters, "tr") == letters


def test_the_ukrainian_apostrophe_is_part_of_the_word() -> None:
    assert downgrade_typography("сім\u2019я \u2013 1700", "uk") == "сім\u2019я - 1700"
    assert downgrade_typography("l\u2019aide", "fr") == "l'aide"
