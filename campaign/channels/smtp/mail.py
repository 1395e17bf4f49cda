"""Email as bytes on the wire: multipart/alternative with the text and the HTML part.

Building each mail with ``email.message.EmailMessage`` costs about a millisecond here, more
than sending it (../shared/PERFORMANCE.md). Every mail of a sender has the same structure:
the same ``From``, the same MIME headers, one boundary. So ``MailWriter`` writes that
structure once and per mail fills in only what differs: the address, the subject, the
date, the ids, the two bodies (quoted-printable, by the C encoder of ``binascii``).

The boundary begins with ``=_``, which quoted-printable never writes (``=`` becomes ``=3D``),
so no body can contain it. Header values are kept to one line: a subject or a link with a
line break in it could otherwise add headers of its own.
"""

from __future__ import annotations

import binascii
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, parseaddr
from functools import lru_cache

CRLF = "\r\n"

# What signs a finished mail: given the bytes, returns the header line(s) to put in front.
Signature = Callable[[bytes], bytes]


class MailWriter:
    """Writes every mail of one sender; safe to share across tasks (no state per mail)."""

    def __init__(self, sender: str, *, sign: Signature | None = None) -> None:
        self._from = f"From: {_address_header(sender)}{CRLF}"
        # The bare address of ``From``: the return path when no bounce domain is set. Read
        # once here, not per mail (parseaddr costs about 20 µs).
        self.sender_address = parseaddr(sender)[1]
        self._boundary = f"=_{secrets.token_hex(12)}"
        self._sign = sign
        self._alternative = (
            f"MIME-Version: 1.0{CRLF}"
            f'Content-Type: multipart/alternative; boundary="{self._boundary}"{CRLF}'
        )
        self._part = (
            "Content-Type: text/{subtype}; charset=utf-8"
            + CRLF
            + "Content-Transfer-Encoding: quoted-printable"
            + CRLF
        )

    def write(
        self,
        *,
        to: str,
        subject: str,
        text: str,
        html: str | None,
        language: str,
        message_id: str,
        date: datetime,
        headers: Mapping[str, str] = {},
    ) -> bytes:
        """The mail ready for SMTP's DATA, with CRLF line endings."""
        head = [
            self._from,
            f"To: {_one_line(to)}{CRLF}",
            f"Subject: {_subject(_one_line(subject))}{CRLF}",
            f"Date: {_date_header(int(date.timestamp()))}{CRLF}",
            f"Message-ID: {message_id}{CRLF}",
            f"Content-Language: {_one_line(language)}{CRLF}",
            f"Auto-Submitted: auto-generated{CRLF}",
        ]
        head += [f"{_one_line(name)}: {_one_line(value)}{CRLF}" for name, value in headers.items()]
        if html is None:
            head.append(f"MIME-Version: 1.0{CRLF}")
            head.append(self._part.format(subtype="plain"))
            data = "".join(head).encode() + CRLF.encode() + _body(text)
        else:
            head.append(self._alternative)
            opening = f"{CRLF}--{self._boundary}{CRLF}".encode()
            data = b"".join(
                (
                    "".join(head).encode(),
                    opening,
                    self._part.format(subtype="plain").encode(),
                    CRLF.encode(),
                    _body(text),
                    opening,
                    self._part.format(subtype="html").encode(),
                    CRLF.encode(),
                    _body(html),
                    f"{CRLF}--{self._boundary}--{CRLF}".encode(),
                )
            )
        if self._sign is not None:
            data = self._sign(data) + data
        return data


def _body(text: str) -> bytes:
    # Encoded with bare line feeds, then every one made CRLF: the encoder writes its own
    # soft line breaks with the line ending it finds in the input.
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    return binascii.b2a_qp(lines.encode(), istext=True).replace(b"\n", b"\r\n")


def _one_line(value: str) -> str:
    return " ".join(value.splitlines()) if ("\n" in value or "\r" in value) else value


@lru_cache(maxsize=1024)
def _subject(subject: str) -> str:
    """Plain when it is ASCII and short enough for one line; RFC 2047 words otherwise. The
    same few subjects come back for every mail of a campaign: encoded once."""
    if subject.isascii() and len(subject) < 900:
        return subject
    return Header(subject, "utf-8", header_name="Subject").encode(linesep=CRLF)


@lru_cache(maxsize=16)
def _address_header(value: str) -> str:
    """``From`` as the standard library folds and encodes it (once per sender)."""
    message = EmailMessage(policy=SMTP)
    message["From"] = value
    line = message.as_bytes().decode("ascii").split(CRLF + CRLF, 1)[0]
    return line.removeprefix("From: ").replace(CRLF, "")


@lru_cache(maxsize=4)
def _date_header(second: int) -> str:
    """The Date header, formatted once a second (formatting costs more than the rest)."""
    return formatdate(second, usegmt=True)
