"""The provider port: a rendered message in, a provider id out, or a typed error.

Errors are translated once, here at the adapter boundary, into a small tree::

    SendError
    ├── RetryableSendError     try again later (rate limited, provider down)
    ├── PermanentSendError     will never work (invalid number, opted out at the provider)
    └── SendOutcomeUnknown     the provider may have accepted it (a timeout mid-call)

Providers know nothing of the store, dispatch, tracking or the web. Delivery reports and
replies reach tracking through the ``ProviderSinks`` the composition root hands in; a
``RetryableSendError`` may say how long the provider asked us to wait (``retry_after``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

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


@dataclass(frozen=True, slots=True)
class Accepted:
    """The provider took the message."""

    provider_id: str
    provider_status: str


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
    """Will never work for this address."""


class SendOutcomeUnknown(SendError):
    """The provider may or may not have accepted the message."""


class ForgedWebhook(Exception):
    """A provider's webhook whose signature does not hold: refused before anything is read."""


class InboundWebhooks(Protocol):
    """Turns a provider's signed inbound-message webhook into the text a person sent."""

    def inbound(
        self, path_qs: str, form: Any, signature: str, signature_settings: str
    ) -> InboundSms:
        """The inbound text of a request whose signature holds; ``ForgedWebhook`` otherwise."""
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
