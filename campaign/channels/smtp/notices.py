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

Pure: the standard library's ``email`` package and no I/O. This module owns the readings;
``mail_parts`` sorts a mail's parts and decodes its text, and ``addresses_and_codes`` finds the
addresses, Message-IDs, status codes and diagnostics in them.
"""

from __future__ import annotations

import email
import logging
import re
from dataclasses import dataclass
from email.message import Message
from enum import StrEnum

from campaign.channels.smtp.addresses_and_codes import (
    address,
    addresses,
    addresses_named,
    code_and_words,
    diagnostic,
    header_addresses,
    message_ids,
    original_to,
    reported_status,
)
from campaign.channels.smtp.mail_parts import (
    RAW_HEADERS,
    Headers,
    Mail,
    header,
    quoted_original,
    read_text_parts_as_reports,
    report_text,
    sorted_parts,
    subject,
    without_our_body,
)

log = logging.getLogger(__name__)

MAX_BYTES = 1 << 20  # what a notice needs sits in its first parts; the rest is our own mail


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
        head = without_our_body(data[:MAX_BYTES])
        return _read(email.message_from_bytes(head, policy=RAW_HEADERS))
    except Exception:
        # The email package is lenient, not total (deeply nested parts reach the recursion
        # limit): one mail it cannot take must not stop the bounce mailbox.
        log.warning("could not read an incoming mail of %d bytes", len(data), exc_info=True)
        return [Notice(NoticeKind.UNREADABLE, None, None, None, (), ())]


def _read(message: Message) -> list[Notice]:
    mail = sorted_parts(message)
    if not mail.blocks and mail.feedback is None:
        read_text_parts_as_reports(mail)
    if mail.original is None:
        mail.original = quoted_original(mail.prose())
    mail.message_ids = message_ids(mail)
    mail.addresses = addresses(mail)
    for reading in (_complaint, _delivery_status, _plain_bounce, _auto_reply):
        notices = reading(mail)
        if notices:
            return notices
    return [_notice(mail, NoticeKind.UNREADABLE, original_to(mail))]


def _notice(
    mail: Mail,
    kind: NoticeKind,
    recipient: str | None,
    status: str | None = None,
    said: str | None = None,
) -> Notice:
    return Notice(kind, recipient, status, said, mail.message_ids, mail.addresses)


# Readings: each gives the notices it finds, or none.


def _complaint(mail: Mail) -> list[Notice]:
    if mail.feedback is None:
        return []
    feedback_type = mail.feedback.get("feedback-type", "").strip().lower()
    # "not-spam" takes a complaint back and "auth-failure" reports a DKIM or SPF failure: no
    # person complained, and neither may lift an opt-out on its own, so staff decide.
    unsure = feedback_type in ("not-spam", "auth-failure")
    recipient = address(mail.feedback.get("original-rcpt-to")) or original_to(mail)
    kind = NoticeKind.UNREADABLE if unsure else NoticeKind.COMPLAINT
    return [_notice(mail, kind, recipient, None, feedback_type or None)]


_ACTIONS = ("failed", "delayed", "delivered", "relayed", "expanded")


def _delivery_status(mail: Mail) -> list[Notice]:
    notices = []
    for block in mail.blocks:
        action = block.get("action", "").strip().lower().split(" ")[0]
        if action not in _ACTIONS:
            continue
        said = diagnostic(block.get("diagnostic-code"))
        status = reported_status(block.get("status", ""), said)
        recipient = (
            address(block.get("original-recipient"))
            or address(block.get("final-recipient"))
            or next(iter(header_addresses(mail.headers, "x-failed-recipients")), None)
            or original_to(mail)
        )
        notices.append(_notice(mail, _dsn_kind(action, status), recipient, status, said))
    return notices


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


def _plain_bounce(mail: Mail) -> list[Notice]:
    """A bounce told in prose, without a report part."""
    failed = header_addresses(mail.headers, "x-failed-recipients")
    report = report_text(mail.prose())
    if not failed and not _told_as_bounce(mail.headers, report):
        return []
    recipients = failed or _named_recipients(report, mail.addresses) or [original_to(mail)]
    return [_plain_notice(mail, report, recipient) for recipient in recipients]


def _told_as_bounce(headers: Headers, report: str) -> bool:
    if _says(report, _BOUNCE_PROSE):
        return True
    sender = (address(header(headers, "from")) or "").partition("@")[0]
    return sender in _DAEMONS and _says(subject(headers), _BOUNCE_SUBJECT)


def _says(text: str, phrases: tuple[str, ...]) -> bool:
    lower = text.lower()
    return any(phrase in lower for phrase in phrases)


_DELAY_PROSE = _phrases(
    "has not yet been delivered|will try again|will retry|will be retried|"
    "will continue to try|attempts will continue|warning only|delivery has been delayed"
)
_FULL_PROSE = ("mailbox full", "mailbox is full", "over quota", "quota exceeded", "out of storage")
_PERMANENT_PROSE = ("permanent error", "permanent failure", "fatal error")


def _plain_notice(mail: Mail, report: str, recipient: str | None) -> Notice:
    start = report.lower().find(recipient) if recipient else -1
    status, said = code_and_words(report[max(start, 0) :])
    if _says(report, _DELAY_PROSE):
        kind = NoticeKind.DELAYED
    elif status is None and _says(report, _PERMANENT_PROSE) and not _says(report, _FULL_PROSE):
        kind = NoticeKind.HARD_BOUNCE
    else:
        kind = _failure_kind(status)
    return _notice(mail, kind, recipient, status, said)


_QMAIL_RECIPIENT = re.compile(r"\n<([^<>\s]+@[^<>\s]+)>:")


def _named_recipients(report: str, ours: tuple[str, ...]) -> list[str | None]:
    """The addresses a plain-text bounce names as failed: qmail's "<x@y>:" lines, else the
    first address that is neither ours nor a mail server's."""
    named = [a for a in (address(m) for m in _QMAIL_RECIPIENT.findall(report)) if a]
    if named:
        return list(dict.fromkeys(named))
    for candidate in addresses_named(report):
        if candidate not in ours and candidate.partition("@")[0] not in _DAEMONS:
            return [candidate]
    return []


_AUTO_REPLY_SUBJECT = _phrases(
    "out of office|out of the office|automatic reply|auto reply|auto-reply|autoreply|"
    "auto response|auto-response|auto:|afwezig|automatisch antwoord|absent|"
    "réponse automatique|reponse automatique|abwesenheitsnotiz|automatische antwort"
)


def _auto_reply(mail: Mail) -> list[Notice]:
    if not _is_auto_reply(mail.headers):
        return []
    # An auto-reply comes from the person we wrote to (or their alias).
    sender = address(header(mail.headers, "from"))
    return [_notice(mail, NoticeKind.AUTO_REPLY, original_to(mail) or sender)]


def _is_auto_reply(headers: Headers) -> bool:
    """RFC 3834's header, the older vendor headers, or an out-of-office Subject. Outlook's
    X-Auto-Response-Suppress asks others not to answer; it is on people's mail too."""
    submitted = (header(headers, "auto-submitted") or "no").split(";")[0].strip().lower()
    if submitted != "no" or "x-autoreply" in headers or "x-autorespond" in headers:
        return True
    if (header(headers, "precedence") or "").strip().lower() == "auto_reply":
        return True
    return subject(headers).lstrip().lower().startswith(_AUTO_REPLY_SUBJECT)
