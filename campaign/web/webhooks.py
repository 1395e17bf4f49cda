"""Provider webhooks: what Twilio tells us of the texts people send back.

``POST /webhooks/twilio/inbound`` is the "A message comes in" URL of the Twilio number or
messaging service. It answers an empty TwiML document, so Twilio sends nothing back itself
(its own STOP confirmation, when Advanced Opt-Out is on, is Twilio's to send).
"""

from __future__ import annotations

from aiohttp import web

from campaign.channels import ForgedWebhook
from campaign.kernel.errors import Forbidden
from campaign.services import SERVICES

_EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


async def twilio_inbound(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    form = await request.post()
    signature = request.headers.get("X-Twilio-Signature", "")
    settings = request.headers.get("X-Twilio-Webhooks-Signature-Settings", "")
    try:
        sms = services.sms_webhooks.inbound(request.path_qs, form, signature, settings)
    except ForgedWebhook as exc:
        raise Forbidden(str(exc)) from exc
    await services.replies.record(sms)
    return web.Response(text=_EMPTY_TWIML, content_type="text/xml")


def add_webhook_routes(app: web.Application) -> None:
    app.router.add_post("/webhooks/twilio/inbound", twilio_inbound)
