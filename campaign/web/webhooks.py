"""Provider webhooks: what Twilio tells us of our messages and of the texts people send back.

``POST /webhooks/twilio/status?message_id=N`` is the status callback URL every SMS carries:
its signature is checked, then it is committed (``CallbackInbox.keep``) before the 204 that
tells Twilio it will never need to send it again; it is applied to its message just after.

``POST /webhooks/twilio/inbound`` is the "A message comes in" URL of the Twilio number or
messaging service. It answers an empty TwiML document, so Twilio sends nothing back itself
(its own STOP confirmation, when Advanced Opt-Out is on, is Twilio's to send).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from campaign.channels import ForgedWebhook
from campaign.kernel.errors import Forbidden
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


def add_webhook_routes(app: web.Application) -> None:
    app.router.add_post("/webhooks/twilio/inbound", twilio_inbound)
    app.router.add_post("/webhooks/twilio/status", twilio_status)
