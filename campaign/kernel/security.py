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


# scrypt's work for a password, OWASP's minimum: 128 MiB and about half a second of one core
# per hash (decision 0034). A hash stored with less is replaced when its password is next
# checked (``password_hash_outdated``).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
_SALT_BYTES, _DIGEST_BYTES = 16, 32
# A stored hash asking for more memory than this is not one of ours: refused, not computed.
_MOST_MEMORY = 1024**3


def hash_password(password: str) -> str:
    """An scrypt hash with its parameters and salt, for storage."""
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, _DIGEST_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from, whatever work it was made with."""
    try:
        n, r, p, salt, expected = _parsed(stored)
        actual = _scrypt(password, salt, n, r, p, len(expected))
    except (ValueError, TypeError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


def password_hash_outdated(stored: str) -> bool:
    """Whether ``stored`` was made with less work (or a shorter salt or digest) than
    ``hash_password`` does now; one we cannot read counts as outdated."""
    try:
        n, r, p, salt, digest = _parsed(stored)
    except (ValueError, TypeError):
        return True
    weaker = n < SCRYPT_N or r < SCRYPT_R or p < SCRYPT_P
    return weaker or len(salt) < _SALT_BYTES or len(digest) < _DIGEST_BYTES


def _parsed(stored: str) -> tuple[int, int, int, bytes, bytes]:
    scheme, n, r, p, salt, digest = stored.split("$")
    if scheme != "scrypt":
        raise ValueError(f"not an scrypt hash: {scheme!r}")
    return int(n), int(r), int(p), _unb64(salt), _unb64(digest)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    # OpenSSL's own bound on the memory scrypt takes (its default allows 32 MiB only).
    memory = 128 * r * (n + p + 2)
    if memory > _MOST_MEMORY:
        raise ValueError(f"scrypt parameters asking for {memory} bytes")
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=memory, dklen=length)


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
        body, _, mac = _ascii(token, "the link is not valid").partition(".")
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
        number, _, rest = _ascii(token, "the link is not valid").partition(".")
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
        number, _, mac = _ascii(token, "the mark is not valid").strip().lower().partition("-")
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


def _ascii(token: str, refusal: str) -> str:
    """``token`` if it is ASCII, as every token made here is; ``hmac.compare_digest`` refuses to
    compare other text (a TypeError), and a link may arrive with any character in it."""
    if not token.isascii():
        raise InvalidToken(refusal)
    return token


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
