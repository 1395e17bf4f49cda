"""Twilio's inbound-message webhook: check its signature, read the text a person sent.

Twilio signs every webhook with the account's auth token (``X-Twilio-Signature``: HMAC-SHA1
over the URL it called and the sorted form parameters). The twilio library's
``RequestValidator`` checks it; a request that fails is forged or mangled and is refused
before anything is read from it.
"""

from __future__ import annotations

from typing import Any

from twilio.request_validator import RequestValidator, get_signature_algorithm

from campaign.channels.base import InboundSms


class ForgedRequest(Exception):
    """The webhook's signature does not match: it did not come from our Twilio account."""


def verified_inbound(
    url: str, form: Any, signature: str, signature_settings: str, auth_token: str
) -> InboundSms:
    """The inbound text of a webhook whose ``signature`` matches; ForgedRequest otherwise.

    ``form`` is the request's form as a multidict (``getall``): a repeated parameter is signed
    with every value. ``signature_settings`` is the X-Twilio-Webhooks-Signature-Settings
    header, empty for the auth token's HMAC-SHA1 signatures this service checks.
    """
    algorithm = get_signature_algorithm(signature_settings or None)
    if algorithm.upper() != "HMAC_SHA1":
        raise ForgedRequest(
            f"the webhook is signed with a SharedKey ({algorithm}); this service checks "
            "X-Twilio-Signature with TWILIO_AUTH_TOKEN (HMAC-SHA1)"
        )
    if not signature or not RequestValidator(auth_token).validate(url, form, signature):
        raise ForgedRequest("the X-Twilio-Signature does not match this request")
    sender = str(form.get("From", "")).strip()
    if not sender:
        raise ForgedRequest("a signed inbound message without a From number")
    sid = form.get("MessageSid")
    return InboundSms(sender, str(form.get("Body", "")), str(sid) if sid else None)
