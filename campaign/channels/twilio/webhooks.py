"""Twilio's webhooks: the inbound-message webhook (a text a person sent) and the status
callbacks of our messages, each checked before anything is read from it.

Twilio signs every webhook with the account's auth token (``X-Twilio-Signature``: HMAC-SHA1
over the URL it called, query string included, and the sorted form parameters). The twilio
library's ``RequestValidator`` checks it against our public URL (``CAMPAIGN_PUBLIC_URL``), the
one Twilio was given, so it holds behind a proxy that ends TLS. A request that fails is forged
or mangled and is refused.
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import parse_qs, urlsplit

from twilio.request_validator import RequestValidator, get_signature_algorithm

from campaign.channels.base import DeliveryReport, ForgedWebhook, InboundSms, StatusCallback
from campaign.channels.twilio.codes import fate_of

PROVIDER = "twilio"


def _verify(url: str, form: Any, signature: str, signature_settings: str, token: str) -> None:
    """ForgedWebhook unless ``signature`` is Twilio's for this URL and form.

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
    if not signature or not _signed_by(RequestValidator(token), url, form, signature):
        raise ForgedWebhook("the X-Twilio-Signature does not match this request")


def _signed_by(validator: RequestValidator, url: str, form: Any, signature: str) -> bool:
    """The library's check, trying the URL as we hold it first: ``validate`` computes two
    signatures every time (with and without a default port), a third of a status callback's
    cost; a callback signed over the URL as given needs one."""
    if hmac.compare_digest(validator.compute_signature(url, form).encode(), signature.encode()):
        return True
    return bool(validator.validate(url, form, signature))


def verified_inbound(
    url: str, form: Any, signature: str, signature_settings: str, auth_token: str
) -> InboundSms:
    """The inbound text of a webhook whose ``signature`` matches; ForgedWebhook otherwise."""
    _verify(url, form, signature, signature_settings, auth_token)
    sender = str(form.get("From", "")).strip()
    if not sender:
        raise ForgedWebhook("a signed inbound message without a From number")
    sid = form.get("MessageSid")
    return InboundSms(sender, str(form.get("Body", "")), str(sid) if sid else None)


def verified_status(
    url: str, form: Any, signature: str, signature_settings: str, auth_token: str
) -> StatusCallback:
    """The status callback of a webhook whose ``signature`` matches; ForgedWebhook otherwise.
    Our message id comes from the URL we gave (``?message_id=N``)."""
    _verify(url, form, signature, signature_settings, auth_token)
    status = str(form.get("MessageStatus") or form.get("SmsStatus") or "").strip()
    if not status:
        raise ForgedWebhook("a signed status callback without a MessageStatus")
    sid = form.get("MessageSid") or form.get("SmsSid")
    code = form.get("ErrorCode")
    return StatusCallback(
        provider=PROVIDER,
        message_id=_message_id(url),
        provider_id=str(sid)[:64] if sid else None,
        status=status[:32],
        error_code=str(code)[:32] if code else None,
        form={key: str(form.get(key)) for key in form},
    )


def _message_id(url: str) -> int | None:
    values = parse_qs(urlsplit(url).query).get("message_id", [])
    if len(values) != 1 or not values[0].isascii() or not values[0].isdigit():
        return None
    number = int(values[0])
    return number if 0 < number < 2**63 else None


def status_report(callback: StatusCallback) -> DeliveryReport | None:
    """What a status callback says of its message, in our terms."""
    fate = fate_of(callback.status, callback.error_code)
    if fate is None or callback.message_id is None:
        return None
    return DeliveryReport(
        message_id=callback.message_id,
        provider_id=callback.provider_id,
        state=fate.state,
        provider_status=callback.status,
        code=fate.code,
        reason=fate.reason,
    )


class TwilioWebhooks:
    """Verifies Twilio's webhooks against the URL Twilio was given: our public base and the path
    it called (correct behind a proxy that ends TLS). Built by the composition root."""

    def __init__(self, auth_token: str | None, public_url: str) -> None:
        self._auth_token = auth_token
        self._public_url = public_url.rstrip("/")

    def _token(self) -> str:
        if self._auth_token is None:
            raise ForgedWebhook(
                "TWILIO_AUTH_TOKEN is not set, so no Twilio webhook can be verified"
            )
        return self._auth_token

    def inbound(
        self, path_qs: str, form: Any, signature: str, signature_settings: str
    ) -> InboundSms:
        """The inbound text of a signed request; ForgedWebhook when it cannot be trusted."""
        url = self._public_url + path_qs
        return verified_inbound(url, form, signature, signature_settings, self._token())

    def status(
        self, path_qs: str, form: Any, signature: str, signature_settings: str
    ) -> StatusCallback:
        """The status callback of a signed request; ForgedWebhook when it cannot be trusted."""
        url = self._public_url + path_qs
        return verified_status(url, form, signature, signature_settings, self._token())

    def report(self, callback: StatusCallback) -> DeliveryReport | None:
        return status_report(callback)
