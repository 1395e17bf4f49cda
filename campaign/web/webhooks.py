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
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from campaign.channels import ForgedWebhook
from campaign.kernel.errors import Forbidden, InvalidInput, TooLarge
from campaign.services import SERVICES

_EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


async def _signed(request: web.Request) -> tuple[Any, str, str]:
    """The form and what Twilio signed it with (read by the provider's webhooks, not here)."""
    form = await request.post()
    signature = request.headers.get("X-Twilio-Signature", "")
    settings = request.headers.get("X-Twilio-Webhooks-Signature-Settings", "")
    return form, signature, settings


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
    bounces.check_secret(request.headers.get("Authorization", "").removeprefix("Bearer ").strip())
    if (request.content_length or 0) > _BOUNCE_LIMIT:
        raise TooLarge(f"a notice is at most {_BOUNCE_LIMIT // (1024 * 1024)} MiB")
    data = await request.read()
    if not data.strip():
        raise InvalidInput("the body is empty: post the bounce as it came, headers and all")
    envelope = [a.strip() for a in request.headers.get("X-Envelope-To", "").split(",")]
    outcomes = await bounces.receive(data, envelope_to=[a for a in envelope if a], via="http")
    return web.json_response(
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
