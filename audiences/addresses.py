"""Phone numbers and email addresses: normalised forms and keyed hashes.

Errors: ``AddressError`` (a ``ValueError``) with a plain reason, for a person to read.
"""

from __future__ import annotations

import hashlib
import hmac

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class AddressError(ValueError):
    """An address that cannot be used; ``str(error)`` is the plain reason."""


def normalise_phone(raw: str, default_region: str) -> str:
    """The number in E.164; a number without a country prefix is in ``default_region``."""
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise AddressError("not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        region = phonenumbers.region_code_for_country_code(number.country_code or 0)
        if region in ("ZZ", "001"):
            raise AddressError("not a phone number: unknown country code")
        raise AddressError(f"not a valid number for {region}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    """The address with its domain in lower case; checks syntax only, never the network."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise AddressError(f"not an email address: {exc}") from exc
    local, _, domain = result.normalized.rpartition("@")
    return f"{local}@{domain.lower()}"


class AddressKeys:
    """Keyed hashes of normalised addresses (HMAC-SHA256 with the secret key)."""

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("the address key secret is empty")
        self._secret = secret

    def key(self, channel: str, address: str) -> str:
        """The hex key of ``address`` on ``channel``; the same address gives the same key."""
        message = f"{channel}:{address}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()
