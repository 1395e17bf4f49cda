"""Secrets at rest and in links: password hashes, API keys, signed expiring tokens.

Pure functions over the secret key; no database, no network.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

API_KEY_PREFIX = "cmp_"


class InvalidToken(Exception):
    """A token that is malformed, forged, for another purpose, or expired."""


def hash_password(password: str) -> str:
    """An scrypt hash with its parameters and salt, for storage."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = _unb64(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True, slots=True)
class NewApiKey:
    """A freshly made key: ``secret`` is shown once; ``prefix`` and ``digest`` are stored."""

    secret: str
    prefix: str
    digest: str


def new_api_key() -> NewApiKey:
    body = secrets.token_urlsafe(32)
    secret = f"{API_KEY_PREFIX}{body}"
    return NewApiKey(secret=secret, prefix=secret[:12], digest=api_key_digest(secret))


def api_key_digest(secret: str) -> str:
    """SHA-256 is enough for a 256-bit random key: nothing to guess, nothing to stretch."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Signer:
    """Signed, expiring tokens for links in messages (stop links, web copies, unsubscribe)."""

    def __init__(self, secret: bytes) -> None:
        self._key = hashlib.sha256(b"campaign-token-v1|" + secret).digest()

    def sign(self, purpose: str, subject: str | int, expires_at: datetime) -> str:
        payload = {"p": purpose, "s": subject, "e": int(expires_at.timestamp())}
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{self._mac(body)}"

    def verify(self, token: str, purpose: str, now: datetime) -> Any:
        """The token's subject, or ``InvalidToken`` saying what is wrong."""
        body, _, mac = token.partition(".")
        if not body or not hmac.compare_digest(mac, self._mac(body)):
            raise InvalidToken("the link is not valid")
        try:
            payload = json.loads(_unb64(body))
        except ValueError as exc:
            raise InvalidToken("the link is not valid") from exc
        if payload.get("p") != purpose:
            raise InvalidToken("the link is not valid here")
        if int(payload.get("e", 0)) < now.timestamp():
            raise InvalidToken("the link has expired")
        return payload.get("s")

    def sign_short(self, purpose: str, number: int, expires_at: datetime) -> str:
        """A compact token for a number (a message id), short enough for an SMS stop link.

        ``<id>.<expiry day>.<mac>`` in base 36 with a 64-bit MAC: about 25 characters.
        """
        body = f"{_b36(number)}.{_b36(int(expires_at.timestamp()) // 86400)}"
        return f"{body}.{self._short_mac(purpose, body)}"

    def verify_short(self, token: str, purpose: str, now: datetime) -> int:
        """The token's number, or ``InvalidToken``."""
        number, _, rest = token.partition(".")
        day, _, mac = rest.partition(".")
        body = f"{number}.{day}"
        if not (number and day and mac) or not hmac.compare_digest(
            mac, self._short_mac(purpose, body)
        ):
            raise InvalidToken("the link is not valid")
        if (int(day, 36) + 1) * 86400 < now.timestamp():
            raise InvalidToken("the link has expired")
        return int(number, 36)

    def sign_id(self, purpose: str, number: int) -> str:
        """A lasting mark for a number, ``<number>-<16 hex digits>``: digits and lower-case
        letters only, so it survives a mail server that changes the case of an address's
        local part, and no expiry, as a bounce may come back days later."""
        return f"{number}-{self._id_mac(purpose, number)}"

    def verify_id(self, token: str, purpose: str) -> int:
        """The number of a ``sign_id`` mark, or ``InvalidToken``."""
        number, _, mac = token.strip().lower().partition("-")
        if not (number.isascii() and number.isdigit() and len(number) <= 18):
            raise InvalidToken("the mark is not valid")
        if not hmac.compare_digest(mac.encode(), self._id_mac(purpose, int(number)).encode()):
            raise InvalidToken("the mark is not valid")
        return int(number)

    def _id_mac(self, purpose: str, number: int) -> str:
        return hmac.new(self._key, f"{purpose}|{number}".encode(), hashlib.sha256).hexdigest()[:16]

    def _short_mac(self, purpose: str, body: str) -> str:
        return _b64(hmac.new(self._key, f"{purpose}|{body}".encode(), hashlib.sha256).digest()[:8])

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:20])


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
