"""Reading what a client sends the fake Twilio: Basic auth, a create's form and a list's query,
each refused with the error Twilio gives."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from tests.fakes import twilio_numbers as errors
from tests.fakes.twilio_numbers import ApiError
from tests.fakes.twilio_store import ListQuery, SentWindow, sent_window

MAX_BODY = 1600
MAX_VALIDITY_PERIOD = 36000
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
_LIST_FILTERS = ("To", "From", "DateSent", "DateSent<", "DateSent>")
# The fault knobs ``configure`` and ``POST /_fake/config`` change, the shares first.
SHARES = ("throttle_share", "accept_then_500_share", "hang_share", "drop_connection_share")
_FLAGS = ("duplicate_callbacks", "reverse_callbacks")
KNOBS = ("account_error", *SHARES, *_FLAGS, "latency")


def basic_auth_header(username: str, password: str) -> str:
    credentials = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(credentials).decode()


def credentials_match(header: str | None, username: str, password: str) -> bool:
    """Whether an Authorization header carries these credentials, however it is spelled."""
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    login, colon, secret = decoded.partition(":")
    return bool(colon) and login == username and secret == password


@dataclass(frozen=True, slots=True)
class CreateRequest:
    """A create that Twilio would accept, before the number's own behaviour applies."""

    to: str
    body: str
    from_: str | None
    messaging_service_sid: str | None
    status_callback: str | None
    validity_period: int | None


def read_create(form: Mapping[str, str]) -> CreateRequest | ApiError:
    """The create in ``form``, or the first error Twilio would answer for it."""
    to = form.get("To")
    if not to:
        return errors.TO_REQUIRED
    sender = _read_sender(form)
    if isinstance(sender, ApiError):
        return sender
    body = form.get("Body")
    if not body:
        return errors.BODY_REQUIRED
    if len(body) > MAX_BODY:
        return errors.BODY_TOO_LONG
    if not is_e164(to):
        return errors.invalid_to(to)
    status_callback = form.get("StatusCallback")
    if status_callback is not None and not is_http_url(status_callback):
        return errors.invalid_status_callback(status_callback)
    validity_period = _read_validity_period(form.get("ValidityPeriod"))
    if isinstance(validity_period, ApiError):
        return validity_period
    return CreateRequest(to, body, *sender, status_callback, validity_period)


def _read_sender(form: Mapping[str, str]) -> tuple[str | None, str | None] | ApiError:
    """(From, MessagingServiceSid): exactly one of them. Twilio takes both when From is in
    the service's sender pool; the fake has no pool, so it refuses both as Twilio refuses a
    From that is not the account's (21606)."""
    sender, service = form.get("From") or None, form.get("MessagingServiceSid") or None
    if sender is None and service is None:
        return errors.FROM_REQUIRED
    if sender is not None and service is not None:
        return errors.FROM_NOT_CAPABLE
    return sender, service


def is_e164(number: str) -> bool:
    digits = number[1:]
    return (
        number.startswith("+") and 8 <= len(digits) <= 15 and digits.isascii() and digits.isdigit()
    )


def is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _read_validity_period(value: str | None) -> int | None | ApiError:
    if value is None:
        return None
    try:
        seconds = int(value)
    except ValueError:
        return errors.INVALID_VALIDITY_PERIOD
    if not 1 <= seconds <= MAX_VALIDITY_PERIOD:
        return errors.INVALID_VALIDITY_PERIOD
    return seconds


def read_list_query(query: Mapping[str, str]) -> ListQuery | ApiError:
    """A list request's filters and paging, or Twilio's error for a value it cannot read."""
    try:
        page_size = min(int(query.get("PageSize", DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE)
        page = int(query.get("Page", 0))
    except ValueError:
        return errors.invalid_parameter("PageSize or Page", str(query))
    if page_size < 1 or page < 0:
        return errors.invalid_parameter("PageSize or Page", f"{page_size}, {page}")
    window = _read_window(query)
    if isinstance(window, ApiError):
        return window
    filters = tuple((name, query[name]) for name in _LIST_FILTERS if name in query)
    return ListQuery(
        filters=filters,
        to=query.get("To"),
        from_=query.get("From"),
        window=window,
        page_size=page_size,
        page=page,
        page_token=query.get("PageToken"),
    )


def _read_window(query: Mapping[str, str]) -> SentWindow | None | ApiError:
    on, before, after = query.get("DateSent"), query.get("DateSent<"), query.get("DateSent>")
    if on is None and before is None and after is None:
        return None
    try:
        return sent_window(on, before, after)
    except ValueError:
        return errors.invalid_parameter("DateSent", f"{on or ''}{before or ''}{after or ''}")


def read_knobs(knobs: Mapping[str, object], shares: Mapping[str, float]) -> dict[str, object]:
    """The knob changes asked for, checked; ValueError for an unknown knob, a value out of
    range, or shares (``shares`` are the current ones) that would add up to more than 1."""
    changes = {name: _read_knob(name, value) for name, value in knobs.items()}
    after = dict(shares)
    after.update((n, v) for n, v in changes.items() if n in SHARES and isinstance(v, float))
    if sum(after.values()) > 1:
        raise ValueError(f"the shares would add up to more than 1: {after}")
    return changes


def _read_knob(name: str, value: object) -> object:
    if name == "account_error":
        if value is not None and value not in errors.ACCOUNT_ERRORS:
            raise ValueError(f"account_error: one of {sorted(errors.ACCOUNT_ERRORS)} or null")
        return value
    if name in _FLAGS:
        if not isinstance(value, bool):
            raise ValueError(f"{name}: true or false")
        return value
    if name not in KNOBS:
        raise ValueError(f"unknown knob: {name}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name}: a number")
    if value < 0 or (name in SHARES and value > 1):
        raise ValueError(f"{name} out of range: {value}")
    return float(value)
