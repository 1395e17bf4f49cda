"""The fake Twilio's answers: the errors it gives, in Twilio's JSON, and what it does for each
reserved ``To`` number. The table of numbers is in ``tests.fakes.twilio``'s docstring."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class ApiError:
    """An error answer in Twilio's legacy JSON shape; the library raises it as a
    ``TwilioRestException`` carrying ``code`` and ``status``."""

    status: int
    code: int
    message: str
    retry_after: int | None = None

    def body(self) -> bytes:
        return json.dumps(
            {
                "code": self.code,
                "message": self.message,
                "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
                "status": self.status,
            }
        ).encode()

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


AUTHENTICATE = ApiError(401, 20003, "Authenticate")
TOO_MANY_REQUESTS = ApiError(429, 20429, "Too Many Requests", retry_after=1)
INTERNAL_ERROR = ApiError(500, 20500, "Internal Server Error")
TO_REQUIRED = ApiError(400, 21604, "A 'To' phone number is required.")
BODY_REQUIRED = ApiError(400, 21602, "Message body is required.")
BODY_TOO_LONG = ApiError(
    400, 21617, "The concatenated message body exceeds the 1600 character limit."
)
FROM_REQUIRED = ApiError(400, 21603, "A 'From' phone number is required.")
INVALID_VALIDITY_PERIOD = ApiError(400, 21624, "Invalid validity period value")
INVALID_FROM = ApiError(400, 21212, "Invalid From Number")
FROM_NOT_CAPABLE = ApiError(
    400,
    21606,
    "The From phone number is not a valid, SMS-capable inbound phone number "
    "or short code for your account.",
)


def not_found(uri: str) -> ApiError:
    return ApiError(404, 20404, f"The requested resource {uri} was not found")


def invalid_to(to: str) -> ApiError:
    return ApiError(400, 21211, f"The 'To' number {to} is not a valid phone number.")


def invalid_status_callback(url: str) -> ApiError:
    return ApiError(400, 21609, f"The StatusCallback URL {url} is not a valid URL.")


def invalid_parameter(name: str, value: str) -> ApiError:
    # Twilio's generic "invalid parameter" answer; the fake gives it for a list filter it
    # cannot read.
    return ApiError(400, 20001, f"Invalid {name}: {value}")


# The errors ``account_error`` may be set to, each refusing every create while it is set.
ACCOUNT_ERRORS: dict[int, ApiError] = {
    20003: AUTHENTICATE,
    21212: INVALID_FROM,
    21606: FROM_NOT_CAPABLE,
}


class MessageStatus(StrEnum):
    """The statuses of an outbound message the fake shows; ``RANK`` orders them, since a
    message never goes back (a late "sent" after "delivered" changes nothing)."""

    ACCEPTED = "accepted"
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"


RANK = {
    MessageStatus.ACCEPTED: 0,
    MessageStatus.QUEUED: 1,
    MessageStatus.SENT: 2,
    MessageStatus.DELIVERED: 3,
    MessageStatus.UNDELIVERED: 3,
    MessageStatus.FAILED: 3,
}


class Answer(StrEnum):
    """How the fake answers a create whose message it stored."""

    CREATED = "created"  # 201 with the resource
    SERVER_ERROR = "server-error"  # 500, code 20500, though the message goes out
    HANG = "hang"  # holds the request ``hang_seconds``, then 201
    DROP = "drop"  # closes the connection without a word


@dataclass(frozen=True, slots=True)
class Report:
    """One status callback: the status and, for failed or undelivered, Twilio's error code."""

    status: MessageStatus
    error_code: int | None = None


SENT = Report(MessageStatus.SENT)
DELIVERED = (SENT, Report(MessageStatus.DELIVERED))
SENT_ONLY = (SENT,)


def undelivered(error_code: int) -> tuple[Report, ...]:
    return (SENT, Report(MessageStatus.UNDELIVERED, error_code))


def failed(error_code: int) -> tuple[Report, ...]:
    return (SENT, Report(MessageStatus.FAILED, error_code))


# The error_message Twilio puts on a message that ended with one of these codes.
ERROR_MESSAGES = {
    30003: "Unreachable destination handset",
    30005: "Unknown destination handset",
    30007: "Message filtered",
    30008: "Unknown error",
}


@dataclass(frozen=True, slots=True)
class Behaviour:
    """What the fake does with a create to one number: refuse it (nothing stored), or store it,
    answer as ``answer`` says and then report ``reports`` in that order."""

    refusal: ApiError | None = None
    answer: Answer = Answer.CREATED
    reports: tuple[Report, ...] = DELIVERED


ORDINARY = Behaviour()

# The sender Twilio picks from a messaging service's pool, reported as From once it is sent.
MESSAGING_SERVICE_SENDER = "+32460200000"


class Numbers:
    """The reserved ``To`` numbers; every other valid number is delivered."""

    INVALID = "+32499100001"
    UNSUBSCRIBED = "+32499100002"
    NOT_MOBILE = "+32499100003"
    REGION_DISABLED = "+32499100004"
    TOO_MANY_REQUESTS = "+32499100005"
    ACCEPTED_THEN_500 = "+32499100006"
    ACCEPTED_THEN_HANG = "+32499100007"
    UNREACHABLE = "+32499100008"
    UNKNOWN_HANDSET = "+32499100009"
    FILTERED = "+32499100010"
    SENT_ONLY = "+32499100011"
    REFUSED_500 = "+32499100012"
    UNKNOWN_ERROR = "+32499100013"


FAKE_NUMBERS: dict[str, Behaviour] = {
    Numbers.INVALID: Behaviour(refusal=invalid_to(Numbers.INVALID)),
    Numbers.UNSUBSCRIBED: Behaviour(
        refusal=ApiError(400, 21610, "Attempt to send to unsubscribed recipient")
    ),
    Numbers.NOT_MOBILE: Behaviour(
        refusal=ApiError(400, 21614, "'To' number is not a valid mobile number")
    ),
    Numbers.REGION_DISABLED: Behaviour(
        refusal=ApiError(
            400,
            21408,
            "Permission to send an SMS has not been enabled for the region indicated by "
            f"the 'To' number: {Numbers.REGION_DISABLED}",
        )
    ),
    Numbers.TOO_MANY_REQUESTS: Behaviour(
        refusal=ApiError(429, 20429, "Too Many Requests", retry_after=2)
    ),
    Numbers.ACCEPTED_THEN_500: Behaviour(answer=Answer.SERVER_ERROR),
    Numbers.ACCEPTED_THEN_HANG: Behaviour(answer=Answer.HANG),
    Numbers.UNREACHABLE: Behaviour(reports=undelivered(30003)),
    Numbers.UNKNOWN_HANDSET: Behaviour(reports=undelivered(30005)),
    Numbers.FILTERED: Behaviour(reports=failed(30007)),
    Numbers.SENT_ONLY: Behaviour(reports=SENT_ONLY),
    Numbers.REFUSED_500: Behaviour(refusal=INTERNAL_ERROR),
    Numbers.UNKNOWN_ERROR: Behaviour(reports=undelivered(30008)),
}
