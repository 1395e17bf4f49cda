"""The provider port: a rendered message in, a provider id out, or a typed error.

Errors are translated once, here at the adapter boundary, into a small tree::

    SendError
    ├── RetryableSendError     try again later (rate limited, provider down)
    ├── PermanentSendError     will never work (invalid number, opted out at the provider)
    ├── SendOutcomeUnknown     the provider may have accepted it (a timeout mid-call)
    └── ProviderUnavailable    the account cannot send at all (credentials, sender): nothing
                               is wrong with this message; sending waits for the provider

Providers know nothing of the store, dispatch, tracking or the web. Delivery reports and
replies reach tracking through the ``ProviderSinks`` the composition root hands in; a
``RetryableSendError`` may say how long the provider asked us to wait (``retry_after``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from campaign.delivery.states import MessageState
from campaign.kernel.channel import Channel
from campaign.kernel.clock import Clock


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """Everything a provider needs to deliver one message."""

    message_id: int
    channel: Channel
    to: str
    language: str
    text: str
    subject: str | None = None
    html: str | None = None
    status_callback_url: str | None = None  # carries our own id: see tracking
    headers: Mapping[str, str] = field(default_factory=dict)
    valid_until: datetime | None = None  # the end of the send window: not delivered after


def text_digest(text: str) -> str:
    """What a look-up at the provider matches a message on: kept when it is handed over."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Accepted:
    """The provider took the message."""

    provider_id: str
    provider_status: str


@dataclass(frozen=True, slots=True)
class Trace:
    """What a look-up at the provider found of a message whose send has no known outcome."""

    accepted: Accepted | None = None  # the provider took it: this is its id
    absent: bool = False  # nothing at all went to that address then: it never arrived


@runtime_checkable
class MessageFinder(Protocol):
    """A provider that can say, afterwards, whether it took a message (Twilio's list)."""

    async def find(self, to: str, digest: str, handed_over: datetime) -> Trace:
        """What the provider holds for a message to ``to`` whose text has ``digest``
        (``text_digest``), handed over at ``handed_over``; a ``SendError`` when it cannot
        say now."""
        ...


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What a provider later says became of a message, in our terms."""

    message_id: int
    provider_id: str | None
    state: MessageState
    provider_status: str
    code: str | None = None
    reason: str | None = None


ReportSink = Callable[[DeliveryReport], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class InboundSms:
    """A text a person sent back to our number (a reply, a STOP)."""

    sender: str  # the person's number, E.164
    body: str
    provider_id: str | None = None  # the provider's id of the inbound message


ReplySink = Callable[[InboundSms], Awaitable[object]]  # what it answers is not the channel's


class SendError(Exception):
    """A send that did not succeed; ``code`` is the provider's, ``reason`` is plain language."""

    def __init__(self, reason: str, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class RetryableSendError(SendError):
    """Worth trying again later; ``retry_after`` is the wait the provider asked for, if any."""

    def __init__(
        self, reason: str, code: str | None = None, *, retry_after: timedelta | float | None = None
    ) -> None:
        super().__init__(reason, code)
        # Seconds, as an HTTP Retry-After header gives them, or a timedelta.
        if isinstance(retry_after, int | float):
            retry_after = timedelta(seconds=retry_after)
        self.retry_after: timedelta | None = retry_after


class PermanentSendError(SendError):
    """Will never work for this address; ``opted_out`` when the provider refused because the
    person opted out with it (a STOP sent to the provider's number): we record that opt-out."""

    def __init__(self, reason: str, code: str | None = None, *, opted_out: bool = False) -> None:
        super().__init__(reason, code)
        self.opted_out = opted_out


class SendOutcomeUnknown(SendError):
    """The provider may or may not have accepted the message."""


class ProviderUnavailable(SendError):
    """The provider refuses the account itself (bad credentials, a sender it will not use):
    every message would fail the same way, so none is failed; dispatch waits, then probes."""


class ForgedWebhook(Exception):
    """A provider's webhook whose signature does not hold: refused before anything is read."""


@dataclass(frozen=True, slots=True)
class StatusCallback:
    """A provider's status callback whose signature holds, as it came: kept before it is
    answered, read (``InboundWebhooks.report``) when it is applied."""

    provider: str
    message_id: int | None  # our id, from the callback URL; None when it carries none
    provider_id: str | None
    status: str
    error_code: str | None
    form: Mapping[str, str]


class InboundWebhooks(Protocol):
    """Turns a provider's signed webhooks into what they say: the text a person sent, the
    status of a message."""

    def inbound(
        self, path_qs: str, form: Any, signature: str, signature_settings: str
    ) -> InboundSms:
        """The inbound text of a request whose signature holds; ``ForgedWebhook`` otherwise."""
        ...

    def status(
        self, path_qs: str, form: Any, signature: str, signature_settings: str
    ) -> StatusCallback:
        """The status callback of a request whose signature holds; ``ForgedWebhook``
        otherwise."""
        ...

    def report(self, callback: StatusCallback) -> DeliveryReport | None:
        """What a kept callback says of its message; None when it says nothing we use."""
        ...


class Provider(Protocol):
    """One provider for one channel: the port every SMS and email adapter implements."""

    name: str

    async def send(self, message: OutboundMessage) -> Accepted:
        """Hand one message to the provider."""
        ...

    async def close(self) -> None:
        """Release connections; deliver or drop whatever is pending."""
        ...


@dataclass(frozen=True, slots=True)
class ProviderSinks:
    """What the composition root hands every provider it builds."""

    report: ReportSink
    reply: ReplySink
    clock: Clock


# Builds the providers of one process; ``bootstrap.build`` takes one so tests can choose theirs.
ProviderFactory = Callable[[ProviderSinks], Mapping[Channel, Provider]]
