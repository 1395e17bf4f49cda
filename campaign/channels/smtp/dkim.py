"""DKIM signatures for organisations that send from their own relay, which does not sign.

``dkimpy`` signs the finished bytes; the public key goes in DNS at
``<selector>._domainkey.<domain>`` (README: "Sending email through a real relay").
"""

from __future__ import annotations

import dkim

from campaign.channels.smtp.mail import Signature

# What a receiver checks: who sent it, to whom, what, when, and the one-click stop.
_SIGNED = [
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"mime-version",
    b"content-type",
    b"content-language",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
]


class DkimKeyError(Exception):
    """The key cannot sign (not a PEM private key)."""


def dkim_signature(private_key: bytes, *, selector: str, domain: str) -> Signature:
    """A signer of finished mails; tried once here, so a bad key fails at start-up."""

    def sign(data: bytes) -> bytes:
        signature: bytes = dkim.sign(
            data,
            selector.encode(),
            domain.encode(),
            private_key,
            include_headers=_SIGNED,
            canonicalize=(b"relaxed", b"relaxed"),
        )
        return signature

    try:
        sign(b"From: a@" + domain.encode() + b"\r\nSubject: test\r\n\r\ntest\r\n")
    except Exception as exc:  # dkimpy raises its own KeyFormatError, and ValueError
        raise DkimKeyError(f"the DKIM key cannot sign: {exc}") from exc
    return sign
