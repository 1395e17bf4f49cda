"""SMS encoding and segments, counted the way Twilio counts them.

GSM-7 when every character is in the GSM 03.38 basic set or its extension table (an
extension character takes two septets, and the pair is never split across segments);
UCS-2 otherwise, counted in UTF-16 code units (a surrogate pair is never split). One
segment holds 160 septets or 70 units; a message of several segments holds 153 or 67 each.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

_SINGLE = {"GSM-7": 160, "UCS-2": 70}
_MULTI = {"GSM-7": 153, "UCS-2": 67}

# Typography a word processor puts in, and its GSM-7 stand-in; never a letter.
_TYPOGRAPHY = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\u2007": " ",
}


@dataclass(frozen=True, slots=True)
class SmsInfo:
    encoding: str  # "GSM-7" or "UCS-2"
    segments: int
    characters: int
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2


def encoding_of(text: str) -> str:
    return "GSM-7" if all(c in GSM_BASIC or c in GSM_EXTENSION for c in text) else "UCS-2"


def _units(text: str, encoding: str) -> list[int]:
    """How many units each character takes."""
    if encoding == "GSM-7":
        return [2 if c in GSM_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def _segments(units: list[int], encoding: str) -> int:
    total = sum(units)
    if total <= _SINGLE[encoding]:
        return 1 if total else 0
    size, segments, used = _MULTI[encoding], 1, 0
    for width in units:
        if used + width > size:  # an escape or surrogate pair moves whole to the next one
            segments, used = segments + 1, 0
        used += width
    return segments


def sms_info(text: str) -> SmsInfo:
    encoding = encoding_of(text)
    units = _units(text, encoding)
    return SmsInfo(encoding, _segments(units, encoding), len(text), sum(units))


def non_gsm_characters(text: str) -> list[str]:
    """The characters that force UCS-2, in order of first appearance."""
    seen: dict[str, None] = {}
    for c in text:
        if c not in GSM_BASIC and c not in GSM_EXTENSION:
            seen.setdefault(c)
    return list(seen)


# Where the right single quote is the apostrophe inside words (Ukrainian м’ята, сім’я), it is
# part of the spelling, and the Cyrillic letters keep the message UCS-2 anyway.
_APOSTROPHE_IN_WORDS = frozenset({"uk"})


def downgrade_typography(text: str, language: str | None = None) -> str:
    """Replace curly quotes, dashes, ellipses and special spaces; letters stay as they are."""
    keep = {"\u2019"} if language in _APOSTROPHE_IN_WORDS else set()
    return "".join(c if c in keep else _TYPOGRAPHY.get(c, c) for c in text)
