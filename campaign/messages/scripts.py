"""When UCS-2 is the message's own nature and not a character that slipped in.

GSM-7 holds Latin letters (and a few Greek capitals). A message written in another script
(Arabic, Cyrillic, Greek, Chinese, Ge'ez for Amharic and Tigrinya, …) is always UCS-2: that
is the price of reaching its readers in their language, nothing to fix. A Latin-script
message made UCS-2 by a curly quote, an emoji or a "Zoë" is worth a finding. Turkish is
Latin-script, but GSM-7 as sent here (no national shift tables) lacks letters it uses in
almost every sentence (ğ, ş, ı); those letters are expected, anything else is not.
"""

from __future__ import annotations

import re
import unicodedata

# Languages (ISO 639-1) written in a script GSM-7 cannot hold; others are judged by letters.
NON_GSM_SCRIPT_LANGUAGES = frozenset(
    {
        "am",  # Amharic, Ge'ez
        "ar",  # Arabic
        "be",  # Belarusian, Cyrillic
        "bg",  # Bulgarian, Cyrillic
        "el",  # Greek: GSM-7 has some capitals, no small letters
        "fa",  # Farsi, Arabic script
        "he",  # Hebrew
        "ja",  # Japanese
        "ka",  # Georgian
        "ko",  # Korean
        "mk",  # Macedonian, Cyrillic
        "ps",  # Pashto, Arabic script
        "ru",  # Russian, Cyrillic
        "ti",  # Tigrinya, Ge'ez
        "uk",  # Ukrainian, Cyrillic
        "ur",  # Urdu, Arabic script
        "zh",  # Chinese
    }
)

# Letters a Latin-script language uses in ordinary words that GSM-7 does not have.
ALPHABET_BEYOND_GSM = {"tr": frozenset("çğıİşĞŞâîûÂÎÛ")}

_URL = re.compile(r"https?://\S+|www\.\S+")


def is_latin_letter(character: str) -> bool:
    return unicodedata.name(character, "").startswith("LATIN")


def written_beyond_gsm(text: str, language: str | None) -> bool:
    """Whether ``text`` is in a script GSM-7 cannot hold, by its language or its letters.

    By letters: more than half of them (links left out: a stop link is Latin in every
    language) are not Latin.
    """
    if language and language.lower().split("-")[0] in NON_GSM_SCRIPT_LANGUAGES:
        return True
    letters = [c for c in _URL.sub("", text) if c.isalpha()]
    others = sum(1 for c in letters if not is_latin_letter(c))
    return others * 2 > len(letters)


def alphabet_beyond_gsm(language: str | None) -> frozenset[str]:
    """The letters of ``language``'s own alphabet that GSM-7 lacks (none for most)."""
    return ALPHABET_BEYOND_GSM.get((language or "").lower().split("-")[0], frozenset())
