"""Provider webhooks: what Twilio tells us of our messages and of the texts people send back.

``POST /webhooks/twilio/status?message_id=N`` is the status callback URL every SMS carries:
its signature is checked, then it is committed (``CallbackInbox.keep``) before the 204 that
tells Twilio it will never need to send it again; it is applied to its message just after.

``POST /webhooks/twilio/inbound`` is the "A message comes in" URL of the Twilio number or
messaging service. It answers an empty TwiML document, so Twilio sends nothing back itself
(its own STOP confirmation, when Advanced Opt-Out is on, is Twilio's to send).

``POST /webhooks/email/bounce`` takes a bounce or feedback report from a relay that posts
them over HTTP instead of mailing them: the mail as it came (any content type), with
``Authorization: Bearer CAMPAIGN_BOUNCE_SECRET``; the return path it was sent to, when the
relay knows it, in ``X-Envelope-To`` (commas between several). It answers once the notices
are kept, with what each did; a relay that gets no 200 should post it again.

Nobody needs a key to reach these, so nothing anyone sends may cost more than a 4xx: a Twilio
form is at most ``limits.FORM_BODY_MAX_BYTES`` (413 before it is read), URL-encoded UTF-8 (415
for another type or charset, 422 for bytes that are not UTF-8), and only then is its signature
checked; a header that is not text (bytes that are not UTF-8) counts as no header at all.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from campaign.api.answers import json_response
from campaign.api.bodies import read_body, read_form
from campaign.channels import ForgedWebhook
from campaign.kernel.errors import Forbidden, InvalidInput
from campaign.services import SERVICES

_EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


async def _signed(request: web.Request) -> tuple[Any, str, str]:
    """The form and what Twilio signed it with (read by the provider's webhooks, not here)."""
    form = await read_form(request)
    signature = _header(request, "X-Twilio-Signature")
    settings = _header(request, "X-Twilio-Webhooks-Signature-Settings")
    return form, signature, settings


def _header(request: web.Request, name: str) -> str:
    """The header's text; "" when its bytes were not UTF-8 (aiohttp keeps them as surrogates,
    which no secret or signature can be compared with)."""
    value = request.headers.get(name, "")
    try:
        value.encode()
    except UnicodeEncodeError:
        return ""
    return value


async def twilio_inbound(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        sms = services.sms_webhooks.inbound(request.path_qs, *await _signed(request))
    except ForgedWebhook as exc:
        raise Forbidden(str(exc)) from exc
    await services.replies.record(sms)
    return web.Response(text=_EMPTY_TWIML, content_type="text/xml")


async def twilio_status(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        callback = services.sms_webhooks.status(request.path_qs, *await _signed(request))
    except ForgedWebhook as exc:
        raise Forbidden(str(exc)) from exc
    await services.callbacks.keep(callback)
    return web.Response(status=204)


_BOUNCE_LIMIT = 10 * 1024 * 1024


async def email_bounce(request: web.Request) -> web.Response:
    bounces = request.app[SERVICES].bounces
    bounces.check_secret(_header(request, "Authorization").removeprefix("Bearer ").strip())
    data = await read_body(request, _BOUNCE_LIMIT, what="a notice")
    if not data.strip():
        raise InvalidInput("the body is empty: post the bounce as it came, headers and all")
    envelope = [a.strip() for a in _header(request, "X-Envelope-To").split(",")]
    outcomes = await bounces.receive(data, envelope_to=[a for a in envelope if a], via="http")
    return json_response(
        {
            "notices": [
                {"kind": o.kind.value, "message_id": o.message_id, "outcome": o.outcome}
                for o in outcomes
            ]
        }
    )


def add_webhook_routes(app: web.Application) -> None:
    app.router.add_post("/webhooks/email/bounce", email_bounce)
    app.router.add_post("/webhooks/twilio/inbound", twilio_inbound)
    app.router.add_post("/webhooks/twilio/status", twilio_status)
