"""The parts of an incoming mail, sorted by what they are, for ``notices`` to read.

Owns the structure of a mail: cutting the body of the copy of our message off before parsing,
walking its MIME parts, sorting them into report fields, the headers of our original message and
the remaining leaves, and decoding header fields and bodies out of damaged mail.

The compat32 policy is used because it is the faster one and reading a header under it never
raises on damaged input; headers come back as the raw text, undecodable bytes and all, and
``clean`` decodes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.errors import MessageError
from email.header import decode_header, make_header
from email.message import Message
from email.policy import Compat32

_MAX_PARTS = 100  # a report has three or four; a mail built with thousands must not cost more

Fields = dict[str, str]  # one block of header fields: lower-cased name -> its first value
Headers = dict[str, list[str]]  # the headers of the mail itself: lower-cased name -> values


# Patterns for whole lines start with "\n", not "^": the search then jumps from one line to the
# next instead of trying every character (ten times faster on a large mail).
_OUR_COPY = re.compile(
    rb"\n(?:content-type:[ \t]*(?:message/(?:rfc822|global)|text/(?:rfc822|global)-headers)"
    rb"|[ \t]*-{2,}.*(?:copy of|below this line))",
    re.I,
)
_REPORT_FIELD = re.compile(
    rb"\n(?:content-type:[ \t]*message/(?:global-)?delivery-status|content-type:[ \t]*message/"
    rb"feedback-report|action:|feedback-type:)",
    re.I,
)
_BLANK_LINES = re.compile(rb"\n[ \t\r]*\n")


def without_our_body(data: bytes) -> bytes:
    """``data`` cut after the headers of the copy of our message in it, unless a report part
    comes after them. The copy's body is most of a bounce's bytes, is of no use here, and
    the parser reads it a line at a time (a 240 kB bounce took 5 ms)."""
    copy = _OUR_COPY.search(data)
    if copy is None or _REPORT_FIELD.search(data, copy.end()):
        return data
    part_headers = _BLANK_LINES.search(data, copy.end())
    copied_headers = part_headers and _BLANK_LINES.search(data, part_headers.end())
    return data[: copied_headers.end()] if copied_headers else data


class _RawHeaders(Compat32):
    """compat32, but a header with bytes that are not ASCII comes back as text with those bytes
    in it (for ``clean``), not as a ``Header`` that has replaced them."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


RAW_HEADERS = _RawHeaders()


@dataclass(slots=True)
class Mail:
    """One incoming mail, with its parts sorted by what they are."""

    headers: Headers
    content_type: str
    feedback: Fields | None = None
    blocks: list[Fields] = field(default_factory=list)  # delivery status, per-message first
    original: Fields | None = None  # the headers of our message, attached or quoted
    leaves: list[Message] = field(default_factory=list)  # the other parts, not yet decoded
    message_ids: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    _prose: str | None = None

    def prose(self) -> str:
        """The first plain-text part: what a person, or an old mail server, wrote (after a
        "\n", for the patterns of whole lines)."""
        if self._prose is None:
            texts = [leaf for leaf in self.leaves if leaf.get_content_maintype() == "text"]
            plain = [leaf for leaf in texts if leaf.get_content_subtype() == "plain"]
            self._prose = "\n" + text_of((plain or texts)[0]) if texts else ""
        return self._prose


# The parts of a mail.


def _parts(message: Message) -> Iterator[Message]:
    """The parts of ``message``, depth first, without entering an attached message."""
    stack, seen = [message], 0
    while stack and seen < _MAX_PARTS:
        part = stack.pop()
        seen += 1
        if part.get_content_maintype() == "multipart" and part.is_multipart():
            stack.extend(reversed(_children(part)))
        else:
            yield part


def _children(part: Message) -> list[Message]:
    # Only a multipart's payload: a leaf's, undecoded, would be decoded with its charset
    # parameter, which raises when that parameter holds undecodable bytes.
    payload = part.get_payload() if part.is_multipart() else None
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def sorted_parts(message: Message) -> Mail:
    """``message`` as a ``Mail``: its headers, and its parts sorted by what they are."""
    headers: Headers = {}
    for name, value in message.items():
        headers.setdefault(name.lower(), []).append(clean(str(value)))
    mail = Mail(headers, message.get_content_type())
    for part in _parts(message):
        children = _children(part)
        content_type = part.get_content_type()
        if content_type == "message/delivery-status" and part.is_multipart():
            mail.blocks.extend(_fields(block) for block in children)
        elif children:
            _sort_attached(mail, children[0])
        elif content_type in ("text/rfc822-headers", "text/global-headers"):
            mail.original = mail.original or first_block(text_of(part)) or None
        else:
            mail.leaves.append(part)
    return mail


def _sort_attached(mail: Mail, inner: Message) -> None:
    """An attached message: our original, or a report the parser took for a message (the
    parser reads every ``message/*`` part but delivery-status as one)."""
    fields = _fields(inner)
    if "feedback-type" in fields:
        mail.feedback = mail.feedback or fields
    elif "action" in fields or "final-recipient" in fields or "reporting-mta" in fields:
        mail.blocks.extend([fields, *_blocks(text_of(inner))])
    elif not mail.original:
        mail.original = fields


_ACTION_LINE = re.compile(r"\nAction:", re.I)
_RECIPIENT_LINE = re.compile(r"\n(?:Status|Final-Recipient|Original-Recipient):", re.I)
_FEEDBACK_LINE = re.compile(r"\nFeedback-Type:", re.I)


def read_text_parts_as_reports(mail: Mail) -> None:
    """Report fields in a part labelled as text or as an unknown attachment."""
    for leaf in mail.leaves:
        content_type = leaf.get_content_type()
        if content_type == "text/html" or not (
            content_type.startswith("text/") or content_type == "application/octet-stream"
        ):
            continue
        text = "\n" + text_of(leaf)
        if _ACTION_LINE.search(text) and _RECIPIENT_LINE.search(text):
            mail.blocks = _blocks(text)
            return
        if _FEEDBACK_LINE.search(text) and mail.content_type == "multipart/report":
            mail.feedback = next((b for b in _blocks(text) if "feedback-type" in b), None)
            return


_MARKER = re.compile(
    r"\n[ \t]*-{2,}.*(?:copy of|original message|below this line|undelivered message).*", re.I
)


def quoted_original(prose: str) -> Fields | None:
    """Our message's headers quoted after a line such as Exim's "------ This is a copy of the
    message, including all the headers. ------"."""
    marker = _MARKER.search(prose)
    if marker is None:
        return None
    headers = first_block(prose[marker.end() :])
    return headers if "message-id" in headers or "return-path" in headers else None


def report_text(prose: str) -> str:
    """What the mail server wrote, without the copy of our message that follows it."""
    marker = _MARKER.search(prose)
    return prose if marker is None else prose[: marker.start()]


# Text out of damaged mail.


def _fields(message: Message) -> Fields:
    fields: Fields = {}
    for name, value in message.items():
        fields.setdefault(name.lower(), clean(str(value)))
    return fields


_FIELD = re.compile(r"([!-9;-~]+)[ \t]*:(.*)")


def _blocks(text: str) -> list[Fields]:
    """Blocks of header fields separated by blank lines, as in a delivery-status part; lines
    that are not fields (prose around them) are left out."""
    blocks: list[Fields] = []
    current: Fields = {}
    name: str | None = None
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
            current, name = {}, None
        elif line[0] in " \t" and name is not None:
            current[name] += " " + line.strip()
        elif (match := _FIELD.match(line)) is not None:
            name = match.group(1).lower()
            name = None if name in current else name
            if name is not None:
                current[name] = match.group(2).strip()
        else:
            name = None
    return [*blocks, current] if current else blocks


BLANK_LINE = re.compile(r"\n[ \t\r]*\n")


def first_block(text: str) -> Fields:
    """The fields up to the first blank line after them (the headers of a copied message)."""
    text = text.lstrip(" \t\r\n")
    end = BLANK_LINE.search(text)
    return next(iter(_blocks(text[: end.start()] if end else text)), {})


def text_of(part: Message) -> str:
    """A leaf part's body, decoded as its charset says, or as UTF-8 or Latin-1 if it lies."""
    raw = part.get_payload(decode=True)
    if not isinstance(raw, bytes):
        return ""
    try:
        return raw.decode(part.get_content_charset() or "utf-8", "replace")
    except (LookupError, ValueError):  # no such charset, or a name no codec could have
        return _decoded(raw)


def _decoded(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def clean(text: str) -> str:
    """``text`` with the parser's stand-ins for undecodable bytes decoded (they cannot be
    stored or logged as they are)."""
    if text.isascii():
        return text
    try:
        return _decoded(text.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def header(headers: Headers, name: str) -> str | None:
    """The first value of the header ``name`` (lower-cased), if the mail has it."""
    values = headers.get(name)
    return values[0] if values else None


def subject(headers: Headers) -> str:
    """The Subject with its encoded words (=?utf-8?q?...?=) decoded."""
    subject = header(headers, "subject") or ""
    if "=?" not in subject:
        return subject
    try:
        return clean(str(make_header(decode_header(subject))))
    except (MessageError, LookupError, ValueError):  # a charset that does not exist
        return subject
