"""One check of a rendered message: its SMS analysis and its plain-language findings.

The shape is the contract of ``POST /api/v1/messages/check`` and ``campaign check-message``.
An SMS must stand on its own for someone without mobile data: what the help is, who it is
for, a number to call; a link may add to that, never replace it.
"""

from __future__ import annotations

import re
from typing import Any

from campaign.kernel.channel import Channel
from campaign.messages.plain import Finding, check_plain_language
from campaign.messages.sms import downgrade_typography, non_gsm_characters, sms_info

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
        message = (
            "The SMS is little more than a link: say what the help is, who it is for "
            "and a number to call."
        )
        findings.append(Finding("only_link", message, None, blocking=True))
    if not _PHONE.search(without_links):
        findings.append(
            Finding(
                "no_phone_number",
                "Give a phone number to call: not everyone has mobile data.",
                None,
                True,
            )
        )
    if not any(w in text.lower() for w in _STOP_WORDS):
        findings.append(
            Finding(
                "no_stop", "Tell people how to stop these messages (use {{ stop }}).", None, True
            )
        )
    findings += _cost_findings(text, language)
    return findings


def _cost_findings(text: str, language: str | None) -> list[Finding]:
    info = sms_info(text)
    findings = []
    if info.encoding == "UCS-2":
        gsm_segments = sms_info(_without(text, non_gsm_characters(text))).segments
        if gsm_segments < info.segments:
            chars = "".join(non_gsm_characters(text))
            message = (
                f"These characters make the SMS cost {info.segments} segments "
                f"instead of {gsm_segments}: {chars}"
            )
            findings.append(Finding("ucs2", message, None))
    saved = info.segments - sms_info(downgrade_typography(text, language)).segments
    if saved > 0:
        findings.append(
            Finding(
                "typography",
                f"Plain quotes, dashes and dots would save {saved} segment(s) per message.",
                None,
            )
        )
    if info.segments > WARN_SEGMENTS:
        message = f"{info.segments} segments: aim for {WARN_SEGMENTS} at most."
        findings.append(Finding("length", message, None, info.segments > MAX_SEGMENTS))
    return findings


def _without(text: str, characters: list[str]) -> str:
    return "".join("?" if c in characters else c for c in text)


def check_message(channel: str, language: str, text: str) -> dict[str, Any]:
    """The contract's shape: ``{"sms": {...} | None, "plain_language": {...}}``."""
    plain = check_plain_language(_URL.sub("", text), language)
    result: dict[str, Any] = {
        "sms": None,
        "plain_language": {
            "score": plain.score,
            "grade": plain.grade,
            "findings": [f.as_json() for f in plain.findings],
        },
    }
    if channel == Channel.SMS:
        info = sms_info(text)
        result["sms"] = {
            "encoding": info.encoding,
            "segments": info.segments,
            "characters": info.characters,
            "findings": [f.as_json() for f in sms_findings(text, language)],
        }
    return result


def blocking_messages(result: dict[str, Any]) -> list[str]:
    """The findings that hold approval back, as plain sentences."""
    parts = [result["plain_language"]] + ([result["sms"]] if result["sms"] else [])
    return [f["message"] for part in parts for f in part["findings"] if f["blocking"]]
