"""The ``ucs2`` finding names a character that slipped into a GSM-7 message, never the script a
message is written in: Arabic, Cyrillic, Greek, Chinese, Ge'ez or Farsi are UCS-2 by nature."""

from __future__ import annotations

import pytest

from campaign.messages.checks import check_message, sms_findings
from campaign.messages.sms import sms_info

CALL = " 1700"
# Each long enough that the letters, replaced one by one, would fit fewer segments.
NON_GSM_SCRIPTS = {
    "ar": "مرحبا. هناك مساعدة جديدة لفواتير الماء والطاقة. اتصلوا بالرقم مجانا. أرسل STOP للإيقاف.",
    "uk": "Вітаємо! Нова допомога: гроші на воду та енергію. Телефонуйте безкоштовно."
    " Більше не хочете SMS? Надішліть STOP.",
    "el": "Γεια σας. Νέα βοήθεια για το νερό και την ενέργεια. Καλέστε δωρεάν. Στείλτε STOP.",
    "zh": "您好。水费和电费有新的补助。请免费拨打电话。回复 STOP 退订。",
    "am": "ሰላም። ለውሃ እና ለኃይል ክፍያ አዲስ እርዳታ አለ። በነጻ ይደውሉ። STOP ይላኩ።",
    "ti": "ሰላም። ንማይን ጸዓትን ሓድሽ ሓገዝ ኣሎ። ብናጻ ደውሉ። STOP ስደዱ።",
    "fa": "سلام. کمک جدید برای قبض آب و انرژی. رایگان تماس بگیرید. برای لغو STOP بفرستید.",
}


def _rules(text: str, language: str | None) -> set[str]:
    return {f.rule for f in sms_findings(text, language)}


def _message(language: str) -> str:
    """The sample, repeated until its letters cost segments: as ``?`` it would need fewer."""
    text = NON_GSM_SCRIPTS[language] + CALL
    while sms_info(text).segments <= sms_info(_as_gsm7(text)).segments:
        text += " " + NON_GSM_SCRIPTS[language]
    return text


def _as_gsm7(text: str) -> str:
    return "".join(c if sms_info(c).encoding == "GSM-7" else "?" for c in text)


@pytest.mark.parametrize("language", sorted(NON_GSM_SCRIPTS))
def test_a_message_in_a_script_gsm7_cannot_hold_is_not_a_ucs2_finding(language: str) -> None:
    text = _message(language)
    assert sms_info(text).encoding == "UCS-2"
    assert "ucs2" not in _rules(text, language)


@pytest.mark.parametrize("language", sorted(NON_GSM_SCRIPTS))
def test_the_letters_decide_when_the_language_does_not(language: str) -> None:
    # A language we do not list (or a mislabelled variant): most letters are not Latin.
    assert "ucs2" not in _rules(_message(language), "xx")


def test_a_stop_link_does_not_make_an_arabic_message_latin() -> None:
    text = _message("ar") + " https://campaign.example.org/s/abcdefghijklmnopqrstuvwxyz"
    assert "ucs2" not in _rules(text, None)


@pytest.mark.parametrize(
    ("stray", "language"),
    [("\u2019", "nl"), ("😀", "en"), ("ë", "nl"), ("ê", "fr"), ("\u201e", "de"), ("😀", "tr")],
)
def test_one_stray_character_in_a_latin_script_message_still_is(stray: str, language: str) -> None:
    text = f"Extra geld voor water en energie{stray} Bel gratis 1700. Geen sms meer? Stuur STOP."
    finding = next(f for f in sms_findings(text, language) if f.rule == "ucs2")
    assert finding.details["characters"] == stray
    assert (finding.details["segments"], finding.details["segments_without"]) == (2, 1)


def test_a_name_in_another_script_in_a_dutch_message_is_named() -> None:
    text = "Dag Олена. Extra geld voor water en energie. Bel gratis 1700. Stuur STOP."
    finding = next(f for f in sms_findings(text, "nl") if f.rule == "ucs2")
    assert finding.details["characters"] == "Олена"


def test_turkish_letters_are_expected_and_an_emoji_is_not() -> None:
    text = "Merhaba Çağla. Su ve enerji faturanız için ek para var. Ücretsiz arayın: 1700. STOP"
    assert sms_info(text).encoding == "UCS-2"
    assert "ucs2" not in _rules(text, "tr")
    # 133 units and an emoji of two: 135 units need three segments of 67, 134 two.
    long_text = (text + " Yardım almak için şimdi arayın.").ljust(133) + "😀"
    assert sms_info(long_text).segments == 3
    assert sms_info(long_text.replace("😀", "?")).segments == 2
    finding = next(f for f in sms_findings(long_text, "tr") if f.rule == "ucs2")
    assert finding.details["characters"] == "😀"


def test_the_check_result_still_says_ucs2_with_its_segments() -> None:
    result = check_message("sms", "ar", _message("ar"))
    assert (result["sms"]["encoding"], result["sms"]["segments"]) == ("UCS-2", 2)
    assert [f["rule"] for f in result["sms"]["findings"]] == []
