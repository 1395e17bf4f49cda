"""Phone numbers and email addresses: normalised forms and keyed hashes.

Errors: ``AddressError`` (a ``ValueError``) with a plain reason, for a person to read.

Most addresses in a file are written plainly (``0471 23 45 67``, ``anna.peeters@example.org``).
For those a fast path gives the same answer as ``phonenumbers`` and ``email-validator`` in a few
microseconds instead of fifteen to twenty; anything it is not sure of goes to the library. Tests
compare the two on generated addresses (tests/unit/test_address_fast_paths.py).
"""

from __future__ import annotations

import hashlib
import hmac
import re

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from phonenumbers import PhoneMetadata, PhoneNumber


class AddressError(ValueError):
    """An address that cannot be used; ``str(error)`` is the plain reason."""


def normalise_phone(raw: str, default_region: str) -> str:
    """The number in E.164; a number without a country prefix is in ``default_region``."""
    text = raw.strip()
    return plain_phone(text, default_region) or phone_by_library(text, default_region)


def phone_by_library(text: str, default_region: str) -> str:
    """``normalise_phone`` without the fast path: phonenumbers decides, and says why not."""
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
    text = raw.strip()
    return plain_email(text) or email_by_library(text)


def email_by_library(text: str) -> str:
    """``normalise_email`` without the fast path: email-validator decides, and says why not."""
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise AddressError(f"not an email address: {exc}") from exc
    local, _, domain = result.normalized.rpartition("@")
    return f"{local}@{domain.lower()}"


_SEPARATORS = str.maketrans("", "", " .-/()")
_NATIONAL = re.compile(r"0[1-9][0-9]{5,12}")
_NATIONAL_NUMBER = re.compile(r"[1-9][0-9]{5,12}")


def plain_phone(text: str, region: str) -> str | None:
    """The E.164 form of a valid number written with digits and separators only, or None.

    Only for regions whose national prefix is a plain ``0`` (Belgium, the Netherlands, France,
    Germany…): ``0`` and the national number, or ``+``/``00``, the region's country code and the
    national number. None means "ask phonenumbers", which also explains what is wrong.
    """
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.national_prefix_for_parsing != "0":
        return None
    if metadata.national_prefix != "0" or metadata.national_prefix_transform_rule is not None:
        return None
    digits = text.translate(_SEPARATORS)
    country = str(metadata.country_code)
    if _NATIONAL.fullmatch(digits):
        national = digits[1:]
    elif digits.startswith((f"+{country}", f"00{country}")):
        national = digits[digits.index(country) + len(country) :]
        if not _NATIONAL_NUMBER.fullmatch(national):
            return None
    else:
        return None
    number = PhoneNumber(country_code=metadata.country_code, national_number=int(national))
    if not phonenumbers.is_valid_number_for_region(number, region):
        return None
    return f"+{metadata.country_code}{national}"


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN_EMAIL = re.compile(
    rf"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@((?:{_LABEL}\.)+([A-Za-z]{{2,63}}))"
)
_SPECIAL_USE = frozenset(SPECIAL_USE_DOMAIN_NAMES)


def plain_email(text: str) -> str | None:
    """The normalised form of a plain ASCII address, or None to ask email-validator.

    Plain: dot-separated atoms of letters, digits, ``_``, ``+`` and ``-`` before the ``@``;
    after it, ordinary labels and a top-level domain of letters; no IDNA (``xn--``) labels, no
    special-use domains (``.test``, ``.local``…), within the RFC lengths.
    """
    match = _PLAIN_EMAIL.fullmatch(text)
    if match is None or len(text) > 254 or text.index("@") > 64 or "--" in match[1]:
        return None
    domain = match[1].lower()
    if any(domain == name or domain.endswith(f".{name}") for name in _SPECIAL_USE):
        return None
    return f"{text[: text.index('@')]}@{domain}"


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
