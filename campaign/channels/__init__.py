"""Providers behind one port (``base.Provider``): today the sandbox SMS and email providers,
and Twilio's signed inbound webhook. Callers import the port from here."""

from campaign.channels.base import (
    Accepted,
    DeliveryReport,
    ForgedWebhook,
    InboundSms,
    InboundWebhooks,
    OutboundMessage,
    PermanentSendError,
    Provider,
    ProviderFactory,
    ProviderSinks,
    RetryableSendError,
    SendError,
    SendOutcomeUnknown,
)

__all__ = [
    "Accepted",
    "DeliveryReport",
    "ForgedWebhook",
    "InboundSms",
    "InboundWebhooks",
    "OutboundMessage",
    "PermanentSendError",
    "Provider",
    "ProviderFactory",
    "ProviderSinks",
    "RetryableSendError",
    "SendError",
    "SendOutcomeUnknown",
]
