"""The page templates: one autoescaping Jinja2 environment over ``web/templates/``.

Built once by the composition root. Pages are trusted files of ours (unlike message templates,
which run in a sandbox), and every value they show is escaped unless marked safe.
"""

from __future__ import annotations

import jinja2


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
    return environment
