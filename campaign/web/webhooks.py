"""Provider webhooks: what Twilio tells us of the texts people send back.

``POST /webhooks/twilio/inbound`` is the "A message comes in" URL of the Twilio number or
messaging service. It answers an empty TwiML document, so Twilio sends nothing back itself
(its own STOP confirmation, when Advanced Opt-Out is on, is Twilio's to send).
"""

from __future__ import annotations

from aiohttp import web

from campaign.channels.twilio.inbound import ForgedRequest, verified_inbound
from campaign.kernel.errors import Forbidden
from campaign.services import SERVICES

_EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


async def twilio_inbound(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    token = services.settings.twilio_auth_token
    if token is None:
        raise Forbidden("TWILIO_AUTH_TOKEN is not set, so no Twilio webhook can be verified")
    form = await request.post()
    # Twilio signs the URL it was given: our public base and the path it called.
    url = services.settings.base_url.rstrip("/") + request.path_qs
    signature = request.headers.get("X-Twilio-Signature", "")
    settings = request.headers.get("X-Twilio-Webhooks-Signature-Settings", "")
    try:
        sms = verified_inbound(url, form, signature, settings, token.get_secret_value())
    except ForgedRequest as exc:
        raise Forbidden(str(exc)) from exc
    await services.replies.record(sms)
    return web.Response(text=_EMPTY_TWIML, content_type="text/xml")


def add_webhook_routes(app: web.Application) -> None:
    app.router.add_post("/webhooks/twilio/inbound", twilio_inbound)
