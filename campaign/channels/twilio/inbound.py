"""Twilio's inbound-message webhook: check its signature, read the text a person sent.

Twilio signs every webhook with the account's auth token (``X-Twilio-Signature``: HMAC-SHA1
over the URL it called and the sorted form parameters). The twilio library's
``RequestValidator`` checks it; a request that fails is forged or mangled and is refused
before anything is read from it.
"""

from __future__ import annotations

from typing import Any

from twilio.request_validator import RequestValidator, get_signature_algorithm

from campaign.channels.base import ForgedWebhook, InboundSms


def verified_inbound(
    url: str, form: Any, signature: str, signature_settings: str, auth_token: str
) -> InboundSms:
    """The inbound text of a webhook whose ``signature`` matches; ForgedWebhook otherwise.

    ``form`` is the request's form as a multidict (``getall``): a repeated parameter is signed
    with every value. ``signature_settings`` is the X-Twilio-Webhooks-Signature-Settings
    header, empty for the auth token's HMAC-SHA1 signatures this service checks.
    """
    algorithm = get_signature_algorithm(signature_settings or None)
    if algorithm.upper() != "HMAC_SHA1":
        raise ForgedWebhook(
            f"the webhook is signed with a SharedKey ({algorithm}); this service checks "
            "X-Twilio-Signature with TWILIO_AUTH_TOKEN (HMAC-SHA1)"
        )
    if not signature or not RequestValidator(auth_token).validate(url, form, signature):
        raise ForgedWebhook("the X-Twilio-Signature does not match this request")
    sender = str(form.get("From", "")).strip()
    if not sender:
        raise ForgedWebhook("a signed inbound message without a From number")
    sid = form.get("MessageSid")
    return InboundSms(sender, str(form.get("Body", "")), str(sid) if sid else None)


class TwilioWebhooks:
    """Verifies Twilio's webhooks against the URL Twilio was given: our public base and the path
    it called (correct behind a proxy that ends TLS). Built by the composition root."""

    def __init__(self, auth_token: str | None, public_url: str) -> None:
        self._auth_token = auth_token
        self._public_url = public_url.rstrip("/")

    def inbound(
        self, path_qs: str, form: Any, signature: str, signature_settings: str
    ) -> InboundSms:
        """The inbound text of a signed request; ForgedWebhook when it cannot be trusted."""
        if self._auth_token is None:
            raise ForgedWebhook(
                "TWILIO_AUTH_TOKEN is not set, so no Twilio webhook can be verified"
            )
        url = self._public_url + path_qs
        return verified_inbound(url, form, signature, signature_settings, self._auth_token)
