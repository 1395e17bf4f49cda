"""Twilio's inbound-message webhook: check its signature, read the text a person sent.

Twilio signs every webhook with the account's auth token (``X-Twilio-Signature``: HMAC-SHA1
over the URL it called and the sorted form parameters). The twilio library's
``RequestValidator`` checks it; a request that fails is forged or mangled and is refused
before anything is read from it.
"""

from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator

from campaign.channels.base import InboundSms


class ForgedRequest(Exception):
    """The webhook's signature does not match: it did not come from our Twilio account."""


def verified_inbound(
    url: str, form: Mapping[str, str], signature: str, auth_token: str
) -> InboundSms:
    """The inbound text of a webhook whose ``signature`` matches; ForgedRequest otherwise."""
    if not signature or not RequestValidator(auth_token).validate(url, dict(form), signature):
        raise ForgedRequest("the X-Twilio-Signature does not match this request")
    sender = form.get("From", "").strip()
    if not sender:
        raise ForgedRequest("a signed inbound message without a From number")
    return InboundSms(sender=sender, body=form.get("Body", ""), provider_id=form.get("MessageSid"))
