"""Security headers on every response the application sends: API answers, pages, problems,
webhook answers, static files and aiohttp's own errors (decision 0034).

They are added as each response is prepared (``on_response_prepare``), not by a middleware: a
streamed answer (a CSV download) sends its headers before a middleware would see it, and a
problem made by another middleware comes back past it.

- ``Content-Security-Policy``: nothing runs and nothing loads but our own stylesheet; no
  script at all (the pages work without one), no inline style, forms post only to us, and no
  other site may frame a page. The web copy of an email is the HTML part as it was mailed,
  whose layout styles its elements inline as mail clients need; its policy allows exactly
  those style attributes, by hash (``MAILED_COPY_POLICY``), and still no script.
- ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``.
- ``X-Content-Type-Options: nosniff``: a JSON answer or a CSV file is never run as a script.
- ``Referrer-Policy: no-referrer``: links in messages carry tokens in their address.
- ``Strict-Transport-Security`` when people reach the service over HTTPS (the public URL is
  ``https://``, or the request came over TLS); browsers ignore it over plain HTTP anyway.
"""

from __future__ import annotations

import base64
import hashlib
import re

from aiohttp import web

from campaign.messages.render import to_html

CSP = "Content-Security-Policy"
_POLICY = (
    "default-src 'none'",
    "style-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
)
POLICY = "; ".join(_POLICY)
HSTS = "max-age=31536000; includeSubDomains"


def _style_attribute_hashes(html: str) -> list[str]:
    values = re.findall(r'style="([^"]*)"', html)
    digests = (hashlib.sha256(value.encode()).digest() for value in values)
    return [f"'sha256-{base64.b64encode(digest).decode()}'" for digest in digests]


# The email layout's own style attributes, read from a message with nothing in it: every value
# in a real one is escaped, so none can add a style attribute of its own.
_MAILED_STYLES = " ".join(["'unsafe-hashes'", *_style_attribute_hashes(to_html("", "en", "", {}))])
MAILED_COPY_POLICY = f"{POLICY}; style-src-attr {_MAILED_STYLES}"

_ALWAYS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def add_security_headers(app: web.Application, *, public_url: str) -> None:
    """Have every response of ``app`` carry the headers above; a handler may set a
    ``Content-Security-Policy`` of its own (the web copy of an email does)."""
    https = public_url.lower().startswith("https://")

    async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
        response.headers.setdefault(CSP, POLICY)
        response.headers.update(_ALWAYS)
        if https or request.secure:
            response.headers["Strict-Transport-Security"] = HSTS

    app.on_response_prepare.append(on_prepare)
