"""One check of a rendered message: its SMS analysis and its plain-language findings.

The shape is the contract of ``POST /api/v1/messages/check`` and ``campaign check-message``.
An SMS must stand on its own for someone without mobile data: what the help is, who it is
for, a number to call; a link may add to that, never replace it.

Each finding's ``rule`` is its stable code and ``details`` the values its sentence is made
of; the sentence (``message``) and the grade are in the staff member's language, English
unless told otherwise.
"""

from __future__ import annotations

import re
from typing import Any

from campaign.kernel.channel import Channel
from campaign.messages.plain import Finding, check_plain_language
from campaign.messages.scripts import alphabet_beyond_gsm, written_beyond_gsm
from campaign.messages.sms import downgrade_typography, non_gsm_characters, sms_info
from campaign.messages.wording import (
    DEFAULT_STAFF_LANGUAGE,
    Details,
    finding_message,
    grade_words,
)

_URL = re.compile(r"https?://\S+|www\.\S+")
_PHONE = re.compile(r"(?<!\d)(\+?\d[\d ./-]{1,14}\d)(?!\d)")  # 106 is a number too
_STOP_WORDS = ("stop", "durdur", "відпис", "إيقاف", "désinscri", "abmelden", "/s/", "/u/")
# Above the first a warning, above the second approval waits: UCS-2 languages (Arabic,
# Ukrainian, Turkish) need a fourth segment now and then.
WARN_SEGMENTS, MAX_SEGMENTS = 3, 4


def sms_findings(text: str, language: str | None = None) -> list[Finding]:
    findings: list[Finding] = []
    without_links = _URL.sub("", text)
    words = re.findall(r"\w+", without_links)
    if _URL.search(text) and len(words) < 8:
        findings.append(Finding("only_link", None, blocking=True))
    if not _PHONE.search(without_links):
        findings.append(Finding("no_phone_number", None, blocking=True))
    if not any(w in text.lower() for w in _STOP_WORDS):
        findings.append(Finding("no_stop", None, blocking=True))
    findings += _cost_findings(text, language)
    return findings


def _cost_findings(text: str, language: str | None) -> list[Finding]:
    info = sms_info(text)
    ucs2 = ucs2_finding(text, language)
    findings = [ucs2] if ucs2 else []
    saved = info.segments - sms_info(downgrade_typography(text, language)).segments
    if saved > 0:
        findings.append(Finding("typography", None, details={"segments_saved": saved}))
    if info.segments > WARN_SEGMENTS:
        details = {"segments": info.segments, "limit": WARN_SEGMENTS}
        findings.append(Finding("length", None, info.segments > MAX_SEGMENTS, details))
    return findings


def ucs2_finding(text: str, language: str | None) -> Finding | None:
    """The characters that make the SMS UCS-2 and cost segments, unless UCS-2 is expected.

    Expected: a message in a script GSM-7 cannot hold, and the letters of its own alphabet
    in a language such as Turkish (``campaign.messages.scripts``).
    """
    info = sms_info(text)
    if info.encoding != "UCS-2" or written_beyond_gsm(text, language):
        return None
    expected = alphabet_beyond_gsm(language)
    stray = [c for c in non_gsm_characters(text) if c not in expected]
    segments_without = sms_info(_without(text, stray)).segments
    if segments_without >= info.segments:
        return None
    details: Details = {
        "characters": "".join(stray),
        "segments": info.segments,
        "segments_without": segments_without,
    }
    return Finding("ucs2", None, details=details)


def _without(text: str, characters: list[str]) -> str:
    return "".join("?" if c in characters else c for c in text)


def check_message(
    channel: str, language: str, text: str, *, staff_language: str = DEFAULT_STAFF_LANGUAGE
) -> dict[str, Any]:
    """The contract's shape: ``{"sms": {...} | None, "plain_language": {...}}``.

    ``language`` is the message's; ``staff_language`` the one its findings are written in.
    """
    plain = check_plain_language(_URL.sub("", text), language)
    result: dict[str, Any] = {
        "sms": None,
        "plain_language": {
            "score": plain.score,
            "grade": grade_words(plain.level, staff_language),
            "findings": [f.as_json(staff_language) for f in plain.findings],
        },
    }
    if channel == Channel.SMS:
        info = sms_info(text)
        result["sms"] = {
            "encoding": info.encoding,
            "segments": info.segments,
            "characters": info.characters,
            "findings": [f.as_json(staff_language) for f in sms_findings(text, language)],
        }
    return result


def blocking_messages(result: dict[str, Any], *, staff_language: str | None = None) -> list[str]:
    """The findings that hold approval back, as plain sentences.

    In the language ``result`` was made in, or written again in ``staff_language`` (a result
    kept from earlier, shown to someone else).
    """
    parts = [result["plain_language"]] + ([result["sms"]] if result["sms"] else [])
    return [
        _sentence(f, staff_language) for part in parts for f in part["findings"] if f["blocking"]
    ]


def _sentence(finding: dict[str, Any], staff_language: str | None) -> str:
    if staff_language is None or "details" not in finding:
        return str(finding["message"])
    return finding_message(finding["rule"], finding["details"], staff_language)
