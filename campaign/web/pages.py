"""The page templates: one autoescaping Jinja2 environment over ``web/templates/``, and the
static files they use (``web/static/``).

Built once by the composition root. Pages are trusted files of ours (unlike message templates,
which run in a sandbox), and every value they show is escaped unless marked safe. They carry no
inline script or style (decision 0034): their stylesheet is ``static/pages.css``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

import jinja2

STATIC = Path(__file__).with_name("static")
STATIC_PREFIX = "/static"


def page_environment(public_url: str) -> jinja2.Environment:
    """The environment every page renders in; ``public_url`` is the base of the links it shows."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("campaign.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["public_url"] = public_url.rstrip("/")
    environment.globals["stylesheet"] = _static_address(public_url, "pages.css")
    return environment


def public_url_of(environment: jinja2.Environment) -> str:
    """The public URL the composition root gave the pages."""
    return str(environment.globals["public_url"])


def _static_address(public_url: str, name: str) -> str:
    """The file's address from the root of the site the page is on (so the same origin, which
    the policy requires, under the public URL's path when it has one), with a version that
    changes with the file's content so no browser keeps an old copy."""
    version = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
    prefix = urlsplit(public_url).path.rstrip("/")
    return f"{prefix}{STATIC_PREFIX}/{name}?v={version}"
