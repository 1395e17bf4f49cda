"""Pages for the people who get messages: the one-click unsubscribe and the web copy.

Both sit behind signed, expiring tokens (``campaign.kernel.security.Signer``). A ``GET`` on the
unsubscribe link only asks, because mail scanners follow links; the ``POST`` (from the page's
button, or from a mail client's one-click ``List-Unsubscribe-Post``, RFC 8058) acts.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

from campaign.kernel.security import InvalidToken
from campaign.messages.language import direction
from campaign.services import SERVICES
from campaign.tracking.optout import opt_out_from_message
from campaign.web.recipient_texts import texts


def _token_subject(request: web.Request, purpose: str) -> int | None:
    services = request.app[SERVICES]
    token, now = request.match_info["token"], services.clock.now()
    try:
        if request.path.startswith("/s/"):  # the short stop link of an SMS
            return services.signer.verify_short(token, "stop", now)
        subject = services.signer.verify(token, purpose, now)
    except InvalidToken:
        return None
    return subject if isinstance(subject, int) else None


def page(language: str, title: str, body_html: str, status: int = 200) -> web.Response:
    html = _PAGE.format(
        lang=escape(language), dir=direction(language), title=escape(title), body=body_html
    )
    response = web.Response(text=html, content_type="text/html", status=status)
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the address
    response.headers["Cache-Control"] = "no-store"
    return response


def _invalid(request: web.Request) -> web.Response:
    language = request.query.get("lang", "en")
    t = texts(language)
    return page(language, t["invalid_title"], f"<p>{escape(t['invalid_body'])}</p>", status=404)


async def unsubscribe_form(request: web.Request) -> web.Response:
    message_id = _token_subject(request, "unsub")
    if message_id is None:
        return _invalid(request)
    copy = await request.app[SERVICES].composer.web_copy(
        message_id, request.app[SERVICES].clock.now()
    )
    language = copy.language if copy else "en"
    t = texts(language)
    body = (
        f"<p>{escape(t['confirm_body'])}</p>"
        f'<form method="post"><button type="submit">{escape(t["confirm_button"])}</button></form>'
    )
    return page(language, t["confirm_title"], body)


async def unsubscribe(request: web.Request) -> web.Response:
    message_id = _token_subject(request, "unsub")
    if message_id is None:
        return _invalid(request)
    services = request.app[SERVICES]
    form = await request.post()
    source = "one-click" if form.get("List-Unsubscribe") == "One-Click" else "stop link"
    done = await opt_out_from_message(
        services.database, services.clock, services.address_keys, message_id, source
    )
    if done is None:
        return _invalid(request)
    t = texts(done.language)
    detail = t["done_sms"] if done.channel == "sms" else t["done_email"]
    return page(done.language, t["done_title"], f"<p>{escape(detail)}</p>")


async def web_copy(request: web.Request) -> web.Response:
    message_id = _token_subject(request, "web")
    if message_id is None:
        return _invalid(request)
    services = request.app[SERVICES]
    copy = await services.composer.web_copy(message_id, services.clock.now())
    if copy is None:
        return _invalid(request)
    if copy.html:
        response = web.Response(text=copy.html, content_type="text/html")
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in copy.text.split("\n\n"))
    return page(copy.language, texts(copy.language)["copy_title"], paragraphs)


def add_recipient_routes(app: web.Application) -> None:
    app.router.add_get("/u/{token}", unsubscribe_form)
    app.router.add_post("/u/{token}", unsubscribe)
    app.router.add_get("/s/{token}", unsubscribe_form)
    app.router.add_post("/s/{token}", unsubscribe)
    app.router.add_get("/m/{token}", web_copy)


_PAGE = """<!doctype html>
<html lang="{lang}" dir="{dir}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font:1.25rem/1.5 system-ui,Arial,sans-serif;max-width:34em;margin:2rem auto;
padding:0 1rem;color:#1a1a1a;background:#fff}}
button{{font:inherit;padding:.6em 1.2em;background:#0b5394;color:#fff;border:0;border-radius:4px}}
button:focus{{outline:3px solid #f1c232}}</style></head>
<body><main><h1>{title}</h1>
{body}
</main></body>
</html>
"""
