"""What a bounce names, found in header fields and prose, for ``notices`` to read.

Owns addresses (as we store them: lower-cased, without display names or brackets), the
Message-IDs of our original message, status codes (enhanced, else the SMTP reply code, and
which of a report's codes to believe) and the remote server's words.
"""

from __future__ import annotations

import re

from campaign.channels.smtp.mail_parts import BLANK_LINE, Headers, Mail, header

_DIAGNOSTIC_LIMIT = 500


# Identifiers and addresses.


def message_ids(mail: Mail) -> tuple[str, ...]:
    """Our message's Message-ID from its attached or quoted copy (Gmail also names it in the
    report as X-Original-Message-ID), then the In-Reply-To and References of a reply."""
    values = [
        (mail.original or {}).get("message-id"),
        *(block.get("x-original-message-id") for block in mail.blocks[:1]),
        header(mail.headers, "in-reply-to"),
        header(mail.headers, "references"),
    ]
    return tuple(dict.fromkeys(i for value in values if value for i in _ids_in(value)))


_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_BARE_MESSAGE_ID = re.compile(r"[^<>\s@]+@[^<>\s@]+")


def _ids_in(value: str) -> list[str]:
    found = _MESSAGE_ID.findall(value)
    bare = value.strip()
    return found or ([f"<{bare}>"] if _BARE_MESSAGE_ID.fullmatch(bare) else [])


def addresses(mail: Mail) -> tuple[str, ...]:
    """The original's Return-Path (or the same envelope sender as a report names it: ARF's
    Original-Mail-From, Postfix's X-Postfix-Sender), then where this mail was delivered."""
    values = [
        (mail.original or {}).get("return-path"),
        (mail.feedback or {}).get("original-mail-from"),
        *(block.get("x-postfix-sender") for block in mail.blocks[:1]),
    ]
    found = [a for value in values if value for a in _addresses_in(value)]
    for name in ("to", "delivered-to", "x-original-to", "envelope-to"):
        found.extend(header_addresses(mail.headers, name))
    return tuple(dict.fromkeys(found))


def header_addresses(headers: Headers, name: str) -> list[str]:
    """The addresses in every value of the header ``name`` (lower-cased)."""
    return [a for value in headers.get(name, []) for a in _addresses_in(value)]


_ADDRESS_TOKEN = re.compile(
    r"<([^<>]*)>"  # an address in brackets
    r'|"(?:[^"\\]|\\.)*"'  # a quoted display name, passed over
    r"|(?<![\w.!#$%&'*+/=?^`{|}~-])([\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+)"  # bare
)


def _addresses_in(value: str) -> list[str]:
    """The addresses in a header or report field, as we store them: without display names, the
    field's address type ("rfc822;"), brackets or capitals."""
    kind, typed, rest = value.partition(";")
    return addresses_named(rest if typed and "@" not in kind else value)


def addresses_named(text: str) -> list[str]:
    """The addresses in ``text``, lower-cased; a redacted one is no address. (A regular
    expression: email.utils reads addresses a character at a time, too slowly for us.)"""
    found = []
    for match in _ADDRESS_TOKEN.finditer(text):
        address = (match.group(1) or match.group(2) or "").strip().lower()
        if "@" in address and not _UNUSABLE.search(address):
            found.append(address)
    return found


_UNUSABLE = re.compile(r"[\s*,<>]|redacted")


def address(value: str | None) -> str | None:
    """The first address in a header or report field, as we store it."""
    return next(iter(_addresses_in(value)), None) if value else None


def original_to(mail: Mail) -> str | None:
    """Whom our message was addressed to, from its attached or quoted copy."""
    return address((mail.original or {}).get("to"))


# Status codes and the server's words.

# Neither may follow a digit or a dot (an IP address, a version). The look-behind comes after
# the first digit so that the search can skip ahead to a 2, 4 or 5 (five times faster).
_ENHANCED = re.compile(r"([245](?<![\d.][245])\.\d{1,3}\.\d{1,3})(?!\.?\d)")
_SMTP_CODE = re.compile(r"([45](?<![\w.:-][45])[0-5]\d)(?=[\s-])")


def _code(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1) if match else None


def reported_status(declared_text: str, said: str | None) -> str | None:
    """The Status field's code; the diagnostic's code when Status is missing or only says
    X.0.0 (Exim writes 5.0.0 for every failure); else the SMTP reply code."""
    declared = _code(_ENHANCED, declared_text)
    in_words = _code(_ENHANCED, said or "")
    if declared is not None and (in_words is None or not declared.endswith(".0.0")):
        return declared
    return in_words or _code(_SMTP_CODE, said or "") or _code(_SMTP_CODE, declared_text)


def code_and_words(text: str) -> tuple[str | None, str | None]:
    """The first status code in prose, and the server's words: its paragraph, from the line
    the code stands on."""
    match = _ENHANCED.search(text) or _SMTP_CODE.search(text)
    if match is None:
        return None, None
    start = text.rfind("\n", 0, match.start()) + 1
    paragraph_end = BLANK_LINE.search(text, match.end())
    end = paragraph_end.start() if paragraph_end else len(text)
    return match.group(1), _collapsed(text[start:end])


_DIAGNOSTIC_TYPE = re.compile(r"^\s*[A-Za-z][\w-]*\s*;\s*")


def diagnostic(value: str | None) -> str | None:
    """A Diagnostic-Code field's words, without its type ("smtp;"), on one line."""
    return _collapsed(_DIAGNOSTIC_TYPE.sub("", value)) if value else None


def _collapsed(text: str) -> str | None:
    return " ".join(text.split())[:_DIAGNOSTIC_LIMIT] or None
