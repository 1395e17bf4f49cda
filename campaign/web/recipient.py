"""Pages for the people who get messages: the one-click unsubscribe and the web copy.

Both sit behind signed, expiring tokens (``campaign.kernel.security.Signer``). A ``GET`` on the
unsubscribe link only asks, because mail scanners follow links; the ``POST`` (from the page's
button, or from a mail client's one-click ``List-Unsubscribe-Post``, RFC 8058) acts.

The pages are the templates under ``templates/recipient/``, rendered in the composition root's
autoescaping environment (``Services.pages``) with the texts of ``recipient_texts``.

Whatever arrives in place of a token (a forged, damaged or non-ASCII one) gets the page that
says the link does not work (404), and a POST body that cannot be read (an unknown charset,
bytes that are not UTF-8, a damaged multipart) is no one-click request: it never fails an
unsubscribe.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from campaign.kernel import limits
from campaign.kernel.security import InvalidToken
from campaign.messages.language import direction
from campaign.services import SERVICES
from campaign.web.headers import CSP, MAILED_COPY_POLICY
from campaign.web.recipient_texts import TEXTS, texts

_FORM_LIMIT = limits.FORM_BODY_MAX_BYTES  # a one-click POST is one field (RFC 8058)


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


def _proof_subject(request: web.Request) -> object:
    services = request.app[SERVICES]
    try:
        return services.signer.verify(request.match_info["token"], "proof", services.clock.now())
    except InvalidToken:
        return None


def _private(response: web.Response) -> web.Response:
    # The token is in the address: kept from caches here, and from other sites by the
    # Referrer-Policy every response carries (campaign.web.headers).
    response.headers["Cache-Control"] = "no-store"
    return response


def page(
    request: web.Request, template: str, language: str, status: int = 200, **values: Any
) -> web.Response:
    """``templates/recipient/<template>`` in ``language``, with that language's texts."""
    html = (
        request.app[SERVICES]
        .pages.get_template(f"recipient/{template}")
        .render(lang=language, dir=direction(language), t=texts(language), **values)
    )
    return _private(web.Response(text=html, content_type="text/html", status=status))


def _invalid(request: web.Request) -> web.Response:
    language = request.query.get("lang", "en")
    return page(request, "invalid_link.html", language if language in TEXTS else "en", status=404)


async def _one_click(request: web.Request) -> bool:
    """Whether the POST is a mail client's one-click unsubscribe (RFC 8058)."""
    if request.content_length is None or request.content_length > _FORM_LIMIT:
        return False  # not read: nothing a one-click client sends looks like this
    try:
        form = await request.post()
    except (ValueError, LookupError):  # UnicodeDecodeError is a ValueError
        return False
    return form.get("List-Unsubscribe") == "One-Click"


async def unsubscribe_form(request: web.Request) -> web.Response:
    message_id = _token_subject(request, "unsub")
    if message_id is None:
        return _invalid(request)
    copy = await request.app[SERVICES].composer.web_copy(
        message_id, request.app[SERVICES].clock.now()
    )
    return page(request, "unsubscribe_confirm.html", copy.language if copy else "en")


async def unsubscribe(request: web.Request) -> web.Response:
    message_id = _token_subject(request, "unsub")
    if message_id is None:
        return _invalid(request)
    services = request.app[SERVICES]
    source = "one-click" if await _one_click(request) else "stop link"
    done = await services.link_opt_outs.opt_out(message_id, source)
    if done is None:
        return _invalid(request)
    return page(request, "unsubscribe_done.html", done.language, channel=done.channel)


async def web_copy(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    message_id = _token_subject(request, "web")
    if message_id is not None:
        copy = await services.composer.web_copy(message_id, services.clock.now())
    else:  # a proof: the message a real recipient will get, shown to staff before the run
        copy = await services.proofs.proof_copy(_proof_subject(request))
    if copy is None:
        return _invalid(request)
    if copy.html:
        # An email's web copy is its HTML part, served as it was mailed: a whole document in the
        # email layout of campaign.messages.render.to_html, which escapes the entire text (and so
        # every contact and measure value in it) before adding its own markup. It is trusted as
        # before and is not nested in base.html, which would put a document inside a document.
        mailed = web.Response(text=copy.html, content_type="text/html")
        mailed.headers[CSP] = MAILED_COPY_POLICY  # its layout's inline styles, and no script
        return _private(mailed)
    return page(request, "web_copy.html", copy.language, paragraphs=copy.text.split("\n\n"))


def add_recipient_routes(app: web.Application) -> None:
    app.router.add_get("/u/{token}", unsubscribe_form)
    app.router.add_post("/u/{token}", unsubscribe)
    app.router.add_get("/s/{token}", unsubscribe_form)
    app.router.add_post("/s/{token}", unsubscribe)
    app.router.add_get("/m/{token}", web_copy)
