"""What comes back to the bounce address, in our terms: one ``Notice`` per thing a mail tells.

A mail is read in this order; the first reading that finds something wins:

1. a feedback report (RFC 5965 ARF): a complaint;
2. delivery status (RFC 3464 DSN): one notice per recipient block. Besides the typed
   ``message/delivery-status`` part, any text part with ``Action:`` and ``Status:`` or
   ``Final-Recipient:`` lines counts, because some servers label the part wrongly;
3. a plain-text bounce (old Exim, qmail, small servers): codes and addresses from the prose;
4. an auto-reply (RFC 3834 headers, or an out-of-office Subject);
5. anything else: one unreadable notice, still with the addresses and Message-IDs found.

Structure comes before headers because DSNs carry ``Auto-Submitted: auto-replied`` too.

Only the first MiB is read, and of the copy of our message a bounce carries only its headers
(unless a report part comes after it): the rest costs parsing time and tells nothing.

Pure: the standard library's ``email`` package and no I/O. The compat32 policy is used because
it is the faster one and reading a header under it never raises on damaged input; headers come
back as the raw text, undecodable bytes and all, and ``_clean`` decodes them.
"""

from __future__ import annotations

import email
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.errors import MessageError
from email.header import decode_header, make_header
from email.message import Message
from email.policy import Compat32
from enum import StrEnum

log = logging.getLogger(__name__)

MAX_BYTES = 1 << 20  # what a notice needs sits in its first parts; the rest is our own mail
_MAX_PARTS = 100  # a report has three or four; a mail built with thousands must not cost more
_DIAGNOSTIC_LIMIT = 500

Fields = dict[str, str]  # one block of header fields: lower-cased name -> its first value
Headers = dict[str, list[str]]  # the headers of the mail itself: lower-cased name -> values


class NoticeKind(StrEnum):
    HARD_BOUNCE = "hard bounce"  # 5.x.x: this address will never work
    SOFT_BOUNCE = "soft bounce"  # given up for now: 4.x.x, mailbox full, or no code at all
    DELAYED = "delayed"  # still being tried, not a failure
    COMPLAINT = "complaint"  # a feedback report: the person marked our mail as spam
    AUTO_REPLY = "auto-reply"  # out of office, vacation, auto-responder: not a bounce
    DELIVERED = "delivered"  # a success DSN: nothing changes
    UNREADABLE = "unreadable"  # we could not tell what it is: for staff to look at


@dataclass(frozen=True, slots=True)
class Notice:
    kind: NoticeKind
    recipient: str | None  # the address our message was for, lower-cased
    status: str | None  # enhanced status code ("5.1.1"), else the SMTP reply code ("550")
    diagnostic: str | None  # the remote server's words; for a feedback report its type
    message_ids: tuple[str, ...]  # Message-IDs of our original message, as "<...>"
    addresses: tuple[str, ...]  # every address that may be our VERP return path


def read_notices(data: bytes) -> list[Notice]:
    """Every notice in one incoming mail (at least one); never raises, reads the first MiB."""
    try:
        head = _without_our_body(data[:MAX_BYTES])
        return _read(email.message_from_bytes(head, policy=_RAW_HEADERS))
    except Exception:
        # The email package is lenient, not total (deeply nested parts reach the recursion
        # limit): one mail it cannot take must not stop the bounce mailbox.
        log.warning("could not read an incoming mail of %d bytes", len(data), exc_info=True)
        return [Notice(NoticeKind.UNREADABLE, None, None, None, (), ())]


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


def _without_our_body(data: bytes) -> bytes:
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
    in it (for ``_clean``), not as a ``Header`` that has replaced them."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


_RAW_HEADERS = _RawHeaders()


@dataclass(slots=True)
class _Mail:
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
            self._prose = "\n" + _text_of((plain or texts)[0]) if texts else ""
        return self._prose

    def notice(
        self,
        kind: NoticeKind,
        recipient: str | None,
        status: str | None = None,
        said: str | None = None,
    ) -> Notice:
        return Notice(kind, recipient, status, said, self.message_ids, self.addresses)


def _read(message: Message) -> list[Notice]:
    mail = _sorted_parts(message)
    if not mail.blocks and mail.feedback is None:
        _read_text_parts_as_reports(mail)
    if mail.original is None:
        mail.original = _quoted_original(mail.prose())
    mail.message_ids = _message_ids(mail)
    mail.addresses = _addresses(mail)
    for reading in (_complaint, _delivery_status, _plain_bounce, _auto_reply):
        notices = reading(mail)
        if notices:
            return notices
    return [mail.notice(NoticeKind.UNREADABLE, _original_to(mail))]


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


def _sorted_parts(message: Message) -> _Mail:
    headers: Headers = {}
    for name, value in message.items():
        headers.setdefault(name.lower(), []).append(_clean(str(value)))
    mail = _Mail(headers, message.get_content_type())
    for part in _parts(message):
        children = _children(part)
        content_type = part.get_content_type()
        if content_type == "message/delivery-status" and part.is_multipart():
            mail.blocks.extend(_fields(block) for block in children)
        elif children:
            _sort_attached(mail, children[0])
        elif content_type in ("text/rfc822-headers", "text/global-headers"):
            mail.original = mail.original or _first_block(_text_of(part)) or None
        else:
            mail.leaves.append(part)
    return mail


def _sort_attached(mail: _Mail, inner: Message) -> None:
    """An attached message: our original, or a report the parser took for a message (the
    parser reads every ``message/*`` part but delivery-status as one)."""
    fields = _fields(inner)
    if "feedback-type" in fields:
        mail.feedback = mail.feedback or fields
    elif "action" in fields or "final-recipient" in fields or "reporting-mta" in fields:
        mail.blocks.extend([fields, *_blocks(_text_of(inner))])
    elif not mail.original:
        mail.original = fields


_ACTION_LINE = re.compile(r"\nAction:", re.I)
_RECIPIENT_LINE = re.compile(r"\n(?:Status|Final-Recipient|Original-Recipient):", re.I)
_FEEDBACK_LINE = re.compile(r"\nFeedback-Type:", re.I)


def _read_text_parts_as_reports(mail: _Mail) -> None:
    """Report fields in a part labelled as text or as an unknown attachment."""
    for leaf in mail.leaves:
        content_type = leaf.get_content_type()
        if content_type == "text/html" or not (
            content_type.startswith("text/") or content_type == "application/octet-stream"
        ):
            continue
        text = "\n" + _text_of(leaf)
        if _ACTION_LINE.search(text) and _RECIPIENT_LINE.search(text):
            mail.blocks = _blocks(text)
            return
        if _FEEDBACK_LINE.search(text) and mail.content_type == "multipart/report":
            mail.feedback = next((b for b in _blocks(text) if "feedback-type" in b), None)
            return


_MARKER = re.compile(
    r"\n[ \t]*-{2,}.*(?:copy of|original message|below this line|undelivered message).*", re.I
)


def _quoted_original(prose: str) -> Fields | None:
    """Our message's headers quoted after a line such as Exim's "------ This is a copy of the
    message, including all the headers. ------"."""
    marker = _MARKER.search(prose)
    if marker is None:
        return None
    headers = _first_block(prose[marker.end() :])
    return headers if "message-id" in headers or "return-path" in headers else None


def _report_text(prose: str) -> str:
    """What the mail server wrote, without the copy of our message that follows it."""
    marker = _MARKER.search(prose)
    return prose if marker is None else prose[: marker.start()]


# Readings: each gives the notices it finds, or none.


def _complaint(mail: _Mail) -> list[Notice]:
    if mail.feedback is None:
        return []
    feedback_type = mail.feedback.get("feedback-type", "").strip().lower()
    # "not-spam" takes a complaint back and "auth-failure" reports a DKIM or SPF failure: no
    # person complained, and neither may lift an opt-out on its own, so staff decide.
    unsure = feedback_type in ("not-spam", "auth-failure")
    recipient = _address(mail.feedback.get("original-rcpt-to")) or _original_to(mail)
    kind = NoticeKind.UNREADABLE if unsure else NoticeKind.COMPLAINT
    return [mail.notice(kind, recipient, None, feedback_type or None)]


_ACTIONS = ("failed", "delayed", "delivered", "relayed", "expanded")


def _delivery_status(mail: _Mail) -> list[Notice]:
    notices = []
    for block in mail.blocks:
        action = block.get("action", "").strip().lower().split(" ")[0]
        if action not in _ACTIONS:
            continue
        said = _diagnostic(block.get("diagnostic-code"))
        status = _status(block.get("status", ""), said)
        recipient = (
            _address(block.get("original-recipient"))
            or _address(block.get("final-recipient"))
            or next(iter(_header_addresses(mail.headers, "x-failed-recipients")), None)
            or _original_to(mail)
        )
        notices.append(mail.notice(_dsn_kind(action, status), recipient, status, said))
    return notices


def _status(declared_text: str, said: str | None) -> str | None:
    """The Status field's code; the diagnostic's code when Status is missing or only says
    X.0.0 (Exim writes 5.0.0 for every failure); else the SMTP reply code."""
    declared = _code(_ENHANCED, declared_text)
    in_words = _code(_ENHANCED, said or "")
    if declared is not None and (in_words is None or not declared.endswith(".0.0")):
        return declared
    return in_words or _code(_SMTP_CODE, said or "") or _code(_SMTP_CODE, declared_text)


def _dsn_kind(action: str, status: str | None) -> NoticeKind:
    if action == "delayed":
        return NoticeKind.DELAYED
    if action != "failed":
        return NoticeKind.DELIVERED
    return _failure_kind(status)


def _failure_kind(status: str | None) -> NoticeKind:
    """Only a permanent code is a hard bounce. X.2.2 (mailbox full) is, by RFC 3463, a
    "persistent transient failure" even with a 5: the person can make room. A failure without
    a code is soft, so that no address is given up on without the server saying so."""
    if status is not None and status.startswith("5") and not status.endswith(".2.2"):
        return NoticeKind.HARD_BOUNCE
    return NoticeKind.SOFT_BOUNCE


def _phrases(text: str) -> tuple[str, ...]:
    """Phrases to look for with ``in`` in lower-cased text, written "a|b|c": a regular
    expression of alternatives tries each at every character, ten times slower."""
    return tuple(text.split("|"))


_BOUNCE_PROSE = _phrases(
    "qmail-send program|created automatically by mail delivery software|"
    "could not be delivered to one or more|delivery to the following recipient|"
    "had permanent fatal errors|has not yet been delivered"
)
_BOUNCE_SUBJECT = _phrases(
    "undeliver|delivery status notification|delivery failure|delivery failed|"
    "delivery has failed|failure notice|returned mail|delayed mail|non remis|"
    "unzustellbar|onbestelbaar|niet afgeleverd"
)
_DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")


def _plain_bounce(mail: _Mail) -> list[Notice]:
    """A bounce told in prose, without a report part."""
    failed = _header_addresses(mail.headers, "x-failed-recipients")
    report = _report_text(mail.prose())
    if not failed and not _told_as_bounce(mail.headers, report):
        return []
    recipients = failed or _named_recipients(report, mail.addresses) or [_original_to(mail)]
    return [_plain_notice(mail, report, recipient) for recipient in recipients]


def _told_as_bounce(headers: Headers, report: str) -> bool:
    if _says(report, _BOUNCE_PROSE):
        return True
    sender = (_address(_header(headers, "from")) or "").partition("@")[0]
    return sender in _DAEMONS and _says(_subject(headers), _BOUNCE_SUBJECT)


def _says(text: str, phrases: tuple[str, ...]) -> bool:
    lower = text.lower()
    return any(phrase in lower for phrase in phrases)


_DELAY_PROSE = _phrases(
    "has not yet been delivered|will try again|will retry|will be retried|"
    "will continue to try|attempts will continue|warning only|delivery has been delayed"
)
_FULL_PROSE = ("mailbox full", "mailbox is full", "over quota", "quota exceeded", "out of storage")
_PERMANENT_PROSE = ("permanent error", "permanent failure", "fatal error")


def _plain_notice(mail: _Mail, report: str, recipient: str | None) -> Notice:
    start = report.lower().find(recipient) if recipient else -1
    status, said = _code_and_words(report[max(start, 0) :])
    if _says(report, _DELAY_PROSE):
        kind = NoticeKind.DELAYED
    elif status is None and _says(report, _PERMANENT_PROSE) and not _says(report, _FULL_PROSE):
        kind = NoticeKind.HARD_BOUNCE
    else:
        kind = _failure_kind(status)
    return mail.notice(kind, recipient, status, said)


_QMAIL_RECIPIENT = re.compile(r"\n<([^<>\s]+@[^<>\s]+)>:")


def _named_recipients(report: str, ours: tuple[str, ...]) -> list[str | None]:
    """The addresses a plain-text bounce names as failed: qmail's "<x@y>:" lines, else the
    first address that is neither ours nor a mail server's."""
    named = [a for a in (_address(m) for m in _QMAIL_RECIPIENT.findall(report)) if a]
    if named:
        return list(dict.fromkeys(named))
    for address in _addresses_named(report):
        if address not in ours and address.partition("@")[0] not in _DAEMONS:
            return [address]
    return []


_AUTO_REPLY_SUBJECT = _phrases(
    "out of office|out of the office|automatic reply|auto reply|auto-reply|autoreply|"
    "auto response|auto-response|auto:|afwezig|automatisch antwoord|absent|"
    "réponse automatique|reponse automatique|abwesenheitsnotiz|automatische antwort"
)


def _auto_reply(mail: _Mail) -> list[Notice]:
    if not _is_auto_reply(mail.headers):
        return []
    # An auto-reply comes from the person we wrote to (or their alias).
    sender = _address(_header(mail.headers, "from"))
    return [mail.notice(NoticeKind.AUTO_REPLY, _original_to(mail) or sender)]


def _is_auto_reply(headers: Headers) -> bool:
    """RFC 3834's header, the older vendor headers, or an out-of-office Subject. Outlook's
    X-Auto-Response-Suppress asks others not to answer; it is on people's mail too."""
    submitted = (_header(headers, "auto-submitted") or "no").split(";")[0].strip().lower()
    if submitted != "no" or "x-autoreply" in headers or "x-autorespond" in headers:
        return True
    if (_header(headers, "precedence") or "").strip().lower() == "auto_reply":
        return True
    return _subject(headers).lstrip().lower().startswith(_AUTO_REPLY_SUBJECT)


# Addresses, codes and identifiers.


def _message_ids(mail: _Mail) -> tuple[str, ...]:
    """Our message's Message-ID from its attached or quoted copy (Gmail also names it in the
    report as X-Original-Message-ID), then the In-Reply-To and References of a reply."""
    values = [
        (mail.original or {}).get("message-id"),
        *(block.get("x-original-message-id") for block in mail.blocks[:1]),
        _header(mail.headers, "in-reply-to"),
        _header(mail.headers, "references"),
    ]
    return tuple(dict.fromkeys(i for value in values if value for i in _ids_in(value)))


_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_BARE_MESSAGE_ID = re.compile(r"[^<>\s@]+@[^<>\s@]+")


def _ids_in(value: str) -> list[str]:
    found = _MESSAGE_ID.findall(value)
    bare = value.strip()
    return found or ([f"<{bare}>"] if _BARE_MESSAGE_ID.fullmatch(bare) else [])


def _addresses(mail: _Mail) -> tuple[str, ...]:
    """The original's Return-Path (or the same envelope sender as a report names it: ARF's
    Original-Mail-From, Postfix's X-Postfix-Sender), then where this mail was delivered."""
    values = [
        (mail.original or {}).get("return-path"),
        (mail.feedback or {}).get("original-mail-from"),
        *(block.get("x-postfix-sender") for block in mail.blocks[:1]),
    ]
    found = [a for value in values if value for a in _addresses_in(value)]
    for name in ("to", "delivered-to", "x-original-to", "envelope-to"):
        found.extend(_header_addresses(mail.headers, name))
    return tuple(dict.fromkeys(found))


def _header_addresses(headers: Headers, name: str) -> list[str]:
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
    return _addresses_named(rest if typed and "@" not in kind else value)


def _addresses_named(text: str) -> list[str]:
    """The addresses in ``text``, lower-cased; a redacted one is no address. (A regular
    expression: email.utils reads addresses a character at a time, too slowly for us.)"""
    found = []
    for match in _ADDRESS_TOKEN.finditer(text):
        address = (match.group(1) or match.group(2) or "").strip().lower()
        if "@" in address and not _UNUSABLE.search(address):
            found.append(address)
    return found


_UNUSABLE = re.compile(r"[\s*,<>]|redacted")


def _address(value: str | None) -> str | None:
    return next(iter(_addresses_in(value)), None) if value else None


def _original_to(mail: _Mail) -> str | None:
    return _address((mail.original or {}).get("to"))


# Neither may follow a digit or a dot (an IP address, a version). The look-behind comes after
# the first digit so that the search can skip ahead to a 2, 4 or 5 (five times faster).
_ENHANCED = re.compile(r"([245](?<![\d.][245])\.\d{1,3}\.\d{1,3})(?!\.?\d)")
_SMTP_CODE = re.compile(r"([45](?<![\w.:-][45])[0-5]\d)(?=[\s-])")


def _code(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1) if match else None


_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")


def _code_and_words(text: str) -> tuple[str | None, str | None]:
    """The first status code in prose, and the server's words: its paragraph, from the line
    the code stands on."""
    match = _ENHANCED.search(text) or _SMTP_CODE.search(text)
    if match is None:
        return None, None
    start = text.rfind("\n", 0, match.start()) + 1
    paragraph_end = _BLANK_LINE.search(text, match.end())
    end = paragraph_end.start() if paragraph_end else len(text)
    return match.group(1), _collapsed(text[start:end])


_DIAGNOSTIC_TYPE = re.compile(r"^\s*[A-Za-z][\w-]*\s*;\s*")


def _diagnostic(value: str | None) -> str | None:
    return _collapsed(_DIAGNOSTIC_TYPE.sub("", value)) if value else None


def _collapsed(text: str) -> str | None:
    return " ".join(text.split())[:_DIAGNOSTIC_LIMIT] or None


# Text out of damaged mail.


def _fields(message: Message) -> Fields:
    fields: Fields = {}
    for name, value in message.items():
        fields.setdefault(name.lower(), _clean(str(value)))
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


def _first_block(text: str) -> Fields:
    """The fields up to the first blank line after them (the headers of a copied message)."""
    text = text.lstrip(" \t\r\n")
    end = _BLANK_LINE.search(text)
    return next(iter(_blocks(text[: end.start()] if end else text)), {})


def _text_of(part: Message) -> str:
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


def _clean(text: str) -> str:
    """``text`` with the parser's stand-ins for undecodable bytes decoded (they cannot be
    stored or logged as they are)."""
    if text.isascii():
        return text
    try:
        return _decoded(text.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _header(headers: Headers, name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _subject(headers: Headers) -> str:
    """The Subject with its encoded words (=?utf-8?q?...?=) decoded."""
    subject = _header(headers, "subject") or ""
    if "=?" not in subject:
        return subject
    try:
        return _clean(str(make_header(decode_header(subject))))
    except (MessageError, LookupError, ValueError):  # a charset that does not exist
        return subject
