"""Twilio's error codes and message statuses, in our terms: one pure table for dispatch (the
codes of API answers) and tracking (the codes of status callbacks), each with a plain reason
staff can read. Source: https://www.twilio.com/docs/api/errors.

A code we do not know is read from where it came: refused at the API (4xx) it will not work
when tried again unchanged, so it fails for good; in a callback of an undelivered message it
failed this time, for now.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from campaign.delivery.states import MessageState


class CodeKind(StrEnum):
    ACCOUNT = "account"  # the account or sender cannot send: every message would fail alike
    OPTED_OUT = "opted out"  # the person sent STOP to our sender at Twilio
    PERMANENT = "permanent"  # this address (or this message) will never go
    RETRYABLE = "retryable"  # try again later
    FAILED_FOR_NOW = "failed for now"  # not delivered this time


@dataclass(frozen=True, slots=True)
class Code:
    kind: CodeKind
    reason: str


_A, _O, _P, _R, _F = (
    CodeKind.ACCOUNT,
    CodeKind.OPTED_OUT,
    CodeKind.PERMANENT,
    CodeKind.RETRYABLE,
    CodeKind.FAILED_FOR_NOW,
)

CODES: dict[int, Code] = {
    # The account: credentials, the sender, the account's standing.
    20003: Code(_A, "Twilio refused our credentials (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)"),
    20005: Code(_A, "the Twilio account is not active"),
    21212: Code(_A, "Twilio does not accept our sender (TWILIO_FROM)"),
    21606: Code(_A, "our sender (TWILIO_FROM) cannot send SMS to this country"),
    21608: Code(_A, "the Twilio trial account may only send to verified numbers"),
    21703: Code(_A, "the messaging service (TWILIO_MESSAGING_SERVICE_SID) has no sender"),
    21704: Code(_A, "the messaging service (TWILIO_MESSAGING_SERVICE_SID) is not usable"),
    30002: Code(_A, "the Twilio account is suspended"),
    # The person.
    21610: Code(_O, "the person sent STOP to our number: opted out at Twilio"),
    # The address or the message, for good.
    21211: Code(_P, "the number is not a valid phone number"),
    21408: Code(_P, "our Twilio account may not send SMS to this country or region"),
    21612: Code(_P, "Twilio cannot route an SMS to this number"),
    21614: Code(_P, "the number is not a mobile number: it cannot receive SMS"),
    21617: Code(_P, "the text is longer than Twilio accepts (1,600 characters)"),
    21602: Code(_P, "the text is empty"),
    30004: Code(_P, "the person's phone or network blocks our messages"),
    30005: Code(_P, "the number does not exist or is no longer in use"),
    30006: Code(_P, "the number is a landline or its network cannot receive SMS"),
    # For now: worth another try, or failed this time.
    20429: Code(_R, "Twilio is busy: too many requests"),
    30001: Code(_R, "Twilio's queue for our sender was full"),
    21611: Code(_R, "Twilio's queue for our sender is full"),
    20500: Code(_R, "Twilio had an internal error"),
    20503: Code(_R, "Twilio is temporarily unavailable"),
    30003: Code(_F, "the phone is switched off or out of reach"),
    30007: Code(_F, "the mobile network filtered the message as unwanted"),
    30008: Code(_F, "the mobile network gave no reason for not delivering it"),
    30009: Code(_F, "a part of the message is missing"),
    30010: Code(_F, "the message costs more than the maximum price allowed"),
    30034: Code(_F, "our sender is not registered for this kind of traffic"),
}


def code_of(value: object) -> int | None:
    """Twilio's code as an int, from the int of an API answer or the text of a callback."""
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def at_send(code: int | None, status: int, message: str) -> Code:
    """What an API answer's error code means for the message sent."""
    known = CODES.get(code) if code is not None else None
    if known is not None:
        return known
    if status == 429:
        return CODES[20429]
    said = f" ({message})" if message else ""
    return Code(_P, f"Twilio refused it with code {code or status}{said}")


class CallbackStatus(StrEnum):
    """The MessageStatus of a status callback."""

    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    CANCELED = "canceled"


# Every status before the handset's answer proves only that Twilio took the message.
_ACCEPTED = frozenset(
    {
        CallbackStatus.ACCEPTED,
        CallbackStatus.SCHEDULED,
        CallbackStatus.QUEUED,
        CallbackStatus.SENDING,
        CallbackStatus.SENT,
    }
)


@dataclass(frozen=True, slots=True)
class Fate:
    """What a callback makes of a message: a state, and for failures the code and reason."""

    state: MessageState
    code: str | None = None
    reason: str | None = None


def fate_of(status: str, error_code: object) -> Fate | None:
    """The message state a callback reports; None for a status we do not know."""
    try:
        known = CallbackStatus(status.strip().lower())
    except ValueError:
        return None
    if known in _ACCEPTED:
        return Fate(MessageState.SENT)
    if known in (CallbackStatus.DELIVERED, CallbackStatus.READ):
        return Fate(MessageState.DELIVERED)
    if known is CallbackStatus.CANCELED:
        return Fate(MessageState.FAILED_TEMPORARY, None, "cancelled at Twilio")
    return _failed(code_of(error_code))


def _failed(code: int | None) -> Fate:
    known = CODES.get(code) if code is not None else None
    if known is None:
        reason = f"not delivered (Twilio code {code})" if code else "not delivered"
        return Fate(MessageState.FAILED_TEMPORARY, str(code) if code else None, reason)
    permanent = known.kind in (CodeKind.PERMANENT, CodeKind.OPTED_OUT)
    state = MessageState.FAILED_PERMANENT if permanent else MessageState.FAILED_TEMPORARY
    return Fate(state, str(code), known.reason)
