"""Email as bytes on the wire: multipart/alternative with the text and the HTML part.

``make_msgid`` is given our own domain: without one it looks up the host name for every
message (docs in ../shared/PERFORMANCE.md). Headers carry the person's language and the
one-click unsubscribe of RFC 8058.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid


def build_email(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    language: str,
    headers: Mapping[str, str],
    message_id_domain: str,
    return_path: str | None = None,
) -> bytes:
    """The message ready for SMTP's DATA, with CRLF line endings."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=message_id_domain)
    message["Auto-Submitted"] = "auto-generated"
    if return_path:
        message["Return-Path"] = f"<{return_path}>"
    for name, value in headers.items():
        message[name] = value
    message.set_content(text, subtype="plain", charset="utf-8")
    if html:
        message.add_alternative(html, subtype="html", charset="utf-8")
    # After the parts: making the message multipart moves Content-* headers into them.
    message["Content-Language"] = language
    return message.as_bytes()
